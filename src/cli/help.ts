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
body goes to standard output (or -o FILE). The flags below that curl also has mean what they mean in
curl.

Options:
  -X, --request METHOD          method (default GET, POST with data, HEAD with -I)
  -H, --header "NAME: VALUE"    request header (repeatable)
  -d, --data DATA               form data, sent as application/x-www-form-urlencoded unless -H sets a
                                content type; repeat to join with &; @FILE reads a file (newlines
                                dropped, as curl does), @- standard input
      --data-binary DATA        like -d, but @FILE is sent byte for byte
      --data-raw DATA           like -d, but @ is not special
      --data-urlencode DATA     "name=value" with value URL-encoded (also "name@FILE", "=value")
      --json DATA               JSON body: content-type and accept application/json; @FILE, @-
  -G, --get                     put the -d data in the query string and send a GET
  -I, --head                    send HEAD and print the status line and headers
  -i, --include                 print the status line and response headers first
  -o, --output FILE             write the body (and -i headers) to FILE instead of standard output
  -s, --silent                  no error report on standard error for a failed request
  -S, --show-error              with -s, still report errors
  -f, --fail                    on an HTTP error status print no body (exit code 22)
      --fail-with-body          on an HTTP error status print the body too (exit code 22)
  -L, --location                follow redirects (authfetch always does; accepted for curl habits)
      --max-redirs N            at most N redirects (default 20; more: exit code 47)
  -m, --max-time SECONDS        give up after this long (exit code 28)
  -w, --write-out FORMAT        print FORMAT after the body: %{http_code} %{response_code}
                                %{url_effective} %{method} %{content_type} %{size_download}
                                %{time_total} %{num_redirects} %{redirect_url} %{exitcode}
                                %header{NAME}, and \\n \\t \\r
  -v, --verbose                 request and response headers and timing on standard error
                                (Authorization, cookies and other credentials redacted)
      --retry N, --retries N    retries for idempotent requests and 429/503 (default 2)

Where authfetch differs from curl on purpose:
  - Redirects are followed without -L (the token is never sent to another origin); curl needs -L.
  - An HTTP error status fails without -f: the body is printed and the exit code is 22, as with
    curl --fail-with-body (curl exits 0); -f drops the body. A final 401 exits 3 (authentication).
  - --retry defaults to 2 (curl: 0). -i and -I print "HTTP 200 OK", without the HTTP version.
  - No -u, -k, -b/-c: credentials come from the profile, and TLS is always verified.
Exit codes: 0 ok, 2 usage error, 3 final 401 or authentication failed, 6 host not resolved,
7 network failure, 22 HTTP error status, 28 timed out, 47 too many redirects, 1 anything else.

${PROFILE}

Examples:
  authfetch fetch https://api.example.com/v1/me -p work
  authfetch fetch https://api.example.com/v1/items -p work --json '{"name":"x"}'
  authfetch fetch https://api.example.com/v1/items -p work -d @item.json -H "content-type: application/json" -i -v
  authfetch fetch https://api.example.com/v1/report -p work -sf -o report.csv -w "%{http_code}\\n"`,

  decode: `authfetch decode — show a JWT's header and claims

Usage: authfetch decode [JWT | -] [options]

Without a JWT (or with -) it is read from standard input; on a terminal, without -, it says how
to give one instead of waiting. exp, iat and nbf are shown as dates with
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
token), or with - a token read from standard input. The revoked token is then taken out of the store:
a revoked refresh token removes the stored token; a revoked access token with a refresh token beside
it is marked expired, so the next "authfetch token" renews it.

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

Exit codes: 0 ok, 1 request failed, 2 usage or configuration error, 3 authentication failed,
6 host not resolved, 7 network failure, 22 HTTP error status (fetch), 28 timed out,
47 too many redirects (fetch).
NO_COLOR turns colours off.

Examples:
  authfetch login -p work
  authfetch token -p work
  authfetch fetch https://api.example.com/v1/me -p work
  authfetch decode "$(authfetch token -p work)"
`;
