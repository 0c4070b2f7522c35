/**
 * Help texts: one for the CLI and one per command, each with examples.
 *
 * @module
 */

import { VERSION } from "./version.ts";

const PROFILE = `Profile options (override the profile's settings):
  -p, --profile NAME            profile in the config file (env AUTHFETCH_PROFILE; default "default")
      --config FILE             config file (env AUTHFETCH_CONFIG)
      --grant NAME              client_credentials | password | refresh_token | existing_token |
                                jwt_bearer | token_exchange | json_login | device_code |
                                authorization_code | api_key
      --issuer URL              issuer; endpoints are discovered from it
      --token-url URL           token endpoint
      --client-id ID            client id
      --client-auth METHOD      client_secret_basic | client_secret_post | client_secret_jwt |
                                private_key_jwt | none
      --scope "A B"             scope
      --audience AUD            audience
      --resource URI            resource indicator (repeatable)
      --username NAME           user name (password, json_login)
      --login-url URL           login URL (json_login); --refresh-url URL its refresh URL
      --origin URL              also send the token to this origin (repeatable)
      --allow-insecure-http     allow plain http: endpoints that are not loopback
      --debug                   print stack traces
  -h, --help                    this help
Secrets come from environment variables (AUTHFETCH_CLIENT_SECRET, AUTHFETCH_PASSWORD, …; see
authfetch --help) or, on a terminal, from a prompt that does not echo; never from the command line.`;

/** The help of each command. */
export const COMMAND_HELP: Record<string, string> = {
  login: `authfetch login — log in as a person and store the tokens under the profile

Usage: authfetch login [options]

Uses the device flow (the default without a display) or the authorization code flow with PKCE
through a loopback redirect on 127.0.0.1 (the default with a display). Prints where to go; tokens
are stored in the token directory under the profile.

Options:
      --device                  use the device flow
      --loopback                use the authorization code flow with a loopback redirect
      --open                    open the authorization URL in the system browser
      --browser-command CMD     open it with CMD (the URL is appended as the last argument)
      --port N                  loopback port (default: any free port)
      --poll-interval SECONDS   device flow polling interval when the server gives none (default 5)
      --timeout SECONDS         give up waiting after this long (default 600)

${PROFILE}

Examples:
  authfetch login --issuer https://auth.example.com --client-id my-cli --device
  authfetch login -p work --open
  authfetch login -p work --loopback --browser-command "firefox --new-window"`,

  token: `authfetch token — print a current access token for a profile

Usage: authfetch token [options]

Reuses the stored token, refreshing it when needed, or obtains one with the profile's grant (client
credentials, password, refresh token, JWT bearer, token exchange, JSON login, existing token).
Device and authorization-code profiles need "authfetch login" first.

Options:
      --json                    print the whole token as JSON (type, expiry, scope; not the refresh token)

${PROFILE}

Examples:
  export AUTHFETCH_CLIENT_SECRET=…   # from your secret store
  authfetch token --token-url https://auth.example.com/oauth/token --client-id svc --grant client_credentials
  curl -H "Authorization: Bearer $(authfetch token -p work)" https://api.example.com/me
  authfetch token -p work --json | jq .expires_at`,

  fetch: `authfetch fetch — an authenticated HTTP request, curl style

Usage: authfetch fetch URL [options]

Sends the request through retry() and auth(): the profile's token is attached (only to https: and
loopback origins, and --origin ones), refreshed and the request replayed once on a 401. The response
body goes to standard output. Exit code 1 for an HTTP error status, 3 for a final 401.

Options:
  -X, --request METHOD          method (default GET, or POST with --data)
  -H, --header "NAME: VALUE"    request header (repeatable)
  -d, --data DATA               request body; @FILE reads a file, @- standard input
  -i, --include                 print the status line and response headers first
  -v, --verbose                 print the request, status and timing to standard error
      --retries N               retries for idempotent requests (default 2)

${PROFILE}

Examples:
  authfetch fetch https://api.example.com/v1/me -p work
  authfetch fetch https://api.example.com/v1/items -p work -X POST -H "content-type: application/json" -d '{"name":"x"}'
  authfetch fetch https://api.example.com/v1/items -p work -d @item.json -i -v`,

  decode: `authfetch decode — show a JWT's header and claims

Usage: authfetch decode [JWT | -] [options]

Without a JWT (or with -) it is read from standard input. exp, iat and nbf are shown as dates with
the time left. The signature is not checked unless --verify is given.

Options:
      --json                    print {"header": …, "claims": …}
      --verify                  verify the signature against the issuer's JWKS (--issuer or the profile's)
      --jwks-url URL            the JWKS to verify against instead of the issuer's
      --audience AUD            with --verify, also require this audience
  -p, --profile NAME            take the issuer from this profile
  -h, --help                    this help

Examples:
  authfetch decode eyJhbGciOi…
  authfetch token -p work | authfetch decode --verify -p work
  authfetch decode - --json < token.txt`,

  introspect: `authfetch introspect — ask the authorization server about a token (RFC 7662)

Usage: authfetch introspect [-] [options]

Introspects the profile's stored access token (--refresh: its refresh token), or with - a token
read from standard input, authenticating with the profile's client. Prints the answer as JSON.

Options:
      --refresh                 introspect the stored refresh token
      --introspection-url URL   the introspection endpoint (default: discovered)

${PROFILE}

Examples:
  authfetch introspect -p work
  echo "$TOKEN" | authfetch introspect - -p resource-server`,

  revoke: `authfetch revoke — revoke a token (RFC 7009)

Usage: authfetch revoke [-] [options]

Revokes the profile's stored refresh token (or access token when there is none; --access: the access
token), or with - a token read from standard input. The stored token is kept; see logout.

Options:
      --access                  revoke the stored access token
      --revocation-url URL      the revocation endpoint (default: discovered)

${PROFILE}

Examples:
  authfetch revoke -p work
  echo "$TOKEN" | authfetch revoke - -p work`,

  logout: `authfetch logout — revoke the profile's tokens where supported, then delete them

Usage: authfetch logout [options]

${PROFILE}

Examples:
  authfetch logout -p work`,

  profiles: `authfetch profiles — list the profiles, or show one without secrets

Usage: authfetch profiles [show [NAME]] [options]

Options:
      --json                    print JSON
      --config FILE             config file (env AUTHFETCH_CONFIG)
  -h, --help                    this help

Examples:
  authfetch profiles
  authfetch profiles show work`,
};

/** The CLI's help. */
export const MAIN_HELP = `authfetch ${VERSION} — log in, get tokens and call APIs from the terminal

Usage: authfetch COMMAND [options]

Commands:
  login        log in as a person (device flow, or browser with a loopback redirect)
  token        print a current access token (refreshing as needed)
  fetch URL    an authenticated HTTP request, curl style
  decode JWT   show a JWT's header and claims (--verify against the issuer's JWKS)
  introspect   ask the authorization server about a token
  revoke       revoke a token
  logout       revoke where supported, then delete the stored tokens
  profiles     list the profiles, or show one without secrets

Global options:
  -h, --help       help (authfetch COMMAND --help for a command's options and examples)
  -V, --version    the version
      --debug      print stack traces with errors

Configuration:
  Profiles live in $AUTHFETCH_CONFIG, else $XDG_CONFIG_HOME/authfetch/config.json, else
  ~/.config/authfetch/config.json (--config FILE overrides), e.g.
    {"defaultProfile": "work",
     "profiles": {"work": {"issuer": "https://auth.example.com", "clientId": "my-cli",
                           "grant": "device_code", "scope": "openid offline_access"}}}
  Tokens are stored in $AUTHFETCH_TOKEN_DIR, else tokens/ next to the config file (mode 0600).

Secrets (environment variables; a profile's "env" object can rename them):
  AUTHFETCH_CLIENT_SECRET  AUTHFETCH_PASSWORD  AUTHFETCH_REFRESH_TOKEN  AUTHFETCH_ACCESS_TOKEN
  AUTHFETCH_ASSERTION  AUTHFETCH_PRIVATE_KEY (a JWK)  AUTHFETCH_SUBJECT_TOKEN  AUTHFETCH_ACTOR_TOKEN
  AUTHFETCH_API_KEY
  On a terminal, a missing secret is asked for without echo. Only "token" prints a token.

Exit codes: 0 ok, 1 request failed, 2 usage or configuration error, 3 authentication failed.
NO_COLOR turns colours off.

Examples:
  authfetch login -p work
  authfetch token -p work
  authfetch fetch https://api.example.com/v1/me -p work
  authfetch decode "$(authfetch token -p work)"
`;
