/**
 * From a profile to the library's grant objects. Secrets are read only when a grant actually needs
 * them, so a stored token is reused without a prompt.
 *
 * @module
 */

import { AuthFetchError } from "../errors.ts";
import type { GrantOptions } from "../oauth/token_request.ts";
import { clientCredentials } from "../grants/client_credentials.ts";
import { password } from "../grants/password.ts";
import { refreshToken } from "../grants/refresh_token.ts";
import { existingToken } from "../grants/existing_token.ts";
import { jwtBearer } from "../grants/jwt_bearer.ts";
import { tokenExchange } from "../grants/token_exchange.ts";
import { jsonLogin } from "../grants/json_login.ts";
import { deviceCode } from "../grants/device_code.ts";
import { authorizationCode } from "../grants/authorization_code.ts";
import type { Grant, GrantRequestOptions } from "../tokens/source.ts";
import type { Token } from "../tokens/token.ts";
import type { GrantName, Resolved, Secrets } from "./config.ts";
import { UsageError } from "./errors.ts";

const SECRET_METHODS = new Set(["client_secret_basic", "client_secret_post", "client_secret_jwt"]);

/**
 * The grant a profile uses: its `grant`, else guessed from what is configured.
 *
 * @param resolved The profile.
 * @param secrets The secrets reader (only environment variables are looked at).
 * @returns The grant's name.
 * @throws {UsageError} When nothing says how to get a token.
 */
export function grantName(resolved: Resolved, secrets: Secrets): GrantName {
  const p = resolved.profile;
  if (p.grant !== undefined) return p.grant;
  if (secrets.optional("accessToken") !== undefined) return "existing_token";
  if (secrets.optional("apiKey") !== undefined) return "api_key";
  if (p.loginUrl !== undefined) return "json_login";
  if (p.username !== undefined) return "password";
  if (secrets.optional("refreshToken") !== undefined) return "refresh_token";
  if (
    p.clientId !== undefined &&
    (secrets.optional("clientSecret") !== undefined || p.clientAuth === "private_key_jwt")
  ) {
    return "client_credentials";
  }
  throw new UsageError(
    `Profile "${resolved.name}" says nothing about how to get a token: set "grant" in ` +
      `${resolved.paths.config} or pass --grant (and --issuer or --token-url, --client-id)`,
  );
}

function needEndpoint(resolved: Resolved): void {
  const p = resolved.profile;
  if (p.issuer === undefined && p.tokenUrl === undefined) {
    throw new UsageError(
      `Profile "${resolved.name}" has neither an issuer nor a token URL: add "issuer" or "tokenUrl" to ` +
        `${resolved.paths.config}, or pass --issuer or --token-url`,
    );
  }
}

function needClientId(resolved: Resolved): string {
  const id = resolved.profile.clientId;
  if (id === undefined || id === "") {
    // Worded without "client_secret…: clientId" pairs, which read as secrets to the redactor.
    throw new UsageError(
      resolved.saved
        ? `Profile "${resolved.name}" has no client id: add "clientId" to ${resolved.paths.config} or pass --client-id`
        : "No client id: pass --client-id ID (or put the settings in a profile, see authfetch --help)",
    );
  }
  return id;
}

function privateJwk(text: string, variable: string): JsonWebKey {
  try {
    const jwk = JSON.parse(text);
    if (typeof jwk === "object" && jwk !== null && typeof jwk.kty === "string") return jwk;
  } catch {
    // reported below
  }
  throw new UsageError(`${variable} must hold a private key as a JSON Web Key ({"kty": …})`);
}

/**
 * The token endpoint and client options every OAuth grant shares; the client secret or private key is
 * read when the client authentication method needs it.
 *
 * @param resolved The profile.
 * @param secrets The secrets reader.
 * @returns The options.
 */
export async function endpointOptions(
  resolved: Resolved,
  secrets: Secrets,
  needsClientAuth = false,
): Promise<GrantOptions> {
  const p = resolved.profile;
  const options: GrantOptions = { retry: true };
  if (p.issuer !== undefined) options.issuer = p.issuer;
  if (p.tokenUrl !== undefined) options.tokenUrl = p.tokenUrl;
  if (p.clientId !== undefined) options.clientId = p.clientId;
  if (p.clientAuth !== undefined) options.clientAuth = p.clientAuth;
  if (p.scope !== undefined) options.scope = p.scope;
  if (p.audience !== undefined) options.audience = p.audience;
  if (p.resource !== undefined) options.resource = p.resource;
  if (p.allowInsecureHttp) options.allowInsecureHttp = true;
  // A grant that authenticates the client (client credentials) never goes out without a secret or key:
  // without --client-auth the library would pick "none" and the server answer invalid_client.
  const mustAuthenticate = needsClientAuth && p.clientAuth === undefined &&
    secrets.optional("privateKey") === undefined;
  if (
    (p.clientAuth !== undefined && SECRET_METHODS.has(p.clientAuth)) || mustAuthenticate
  ) {
    options.clientSecret = await secrets.required("clientSecret", "Client secret");
  } else if (p.clientAuth === undefined) {
    const secret = secrets.optional("clientSecret");
    if (secret !== undefined) options.clientSecret = secret;
  }
  if (
    p.clientAuth === "private_key_jwt" ||
    (needsClientAuth && p.clientAuth === undefined && options.clientSecret === undefined)
  ) {
    const text = await secrets.required("privateKey", "Private key (JWK)");
    options.privateKey = privateJwk(text, secrets.variable("privateKey"));
    if (p.clientAuth === undefined) options.clientAuth = "private_key_jwt";
  }
  // Client authentication needs the client id; say so here rather than let the library report it.
  if (
    (options.clientSecret !== undefined || options.privateKey !== undefined ||
      (p.clientAuth !== undefined && p.clientAuth !== "none")) && options.clientId === undefined
  ) {
    needClientId(resolved);
  }
  return options;
}

/**
 * A grant that is built on first use, so its secrets are read (or asked for) only then.
 *
 * @param interactive Whether the grant needs a person.
 * @param build Builds the real grant.
 * @returns The grant.
 */
function lazy(interactive: boolean, build: (initial: boolean) => Promise<Grant>): Grant {
  return {
    interactive,
    async token(request?: GrantRequestOptions): Promise<Token> {
      return await (await build(true)).token(request);
    },
    async refresh(token: Token, request?: GrantRequestOptions): Promise<Token> {
      const grant = await build(false);
      if (grant.refresh === undefined) return await grant.token(request);
      return await grant.refresh(token, request);
    },
  };
}

/**
 * The grant behind `token` and `fetch`: every non-interactive grant from the profile; for the device and
 * authorization code grants, only renewal of the token `login` stored (never a new login).
 *
 * @param resolved The profile.
 * @param secrets The secrets reader.
 * @returns The grant.
 * @throws {UsageError} When the profile is incomplete or uses an API key.
 */
export function tokenGrant(resolved: Resolved, secrets: Secrets): Grant {
  const p = resolved.profile;
  const name = grantName(resolved, secrets);
  const profileFlag = resolved.name === "default" ? "" : ` --profile ${resolved.name}`;
  switch (name) {
    case "api_key":
      throw new UsageError(
        `Profile "${resolved.name}" uses an API key (${
          secrets.variable("apiKey")
        }); there is no token`,
      );
    case "device_code":
    case "authorization_code": {
      needEndpoint(resolved);
      const clientId = needClientId(resolved);
      return {
        interactive: true,
        token(): Promise<Token> {
          throw new AuthFetchError(
            "token_unavailable",
            `Not logged in with profile "${resolved.name}" (or the login expired): run authfetch login${profileFlag}`,
          );
        },
        async refresh(token: Token, request?: GrantRequestOptions): Promise<Token> {
          const options = await endpointOptions(resolved, secrets);
          const grant = name === "device_code"
            ? deviceCode({ ...options, onPrompt: () => {} })
            : authorizationCode({
              ...options,
              clientId,
              authorizationUrl: p.authorizationUrl,
              redirectUri: "http://127.0.0.1/callback",
            }).grant();
          return await grant.refresh!(token, request);
        },
      };
    }
    case "json_login": {
      if (p.loginUrl === undefined) {
        throw new UsageError(
          `Profile "${resolved.name}" uses json_login but has no loginUrl: add it or pass --login-url`,
        );
      }
      const loginUrl = p.loginUrl;
      return lazy(false, () =>
        Promise.resolve(jsonLogin({
          loginUrl,
          refreshUrl: p.refreshUrl,
          accessField: p.accessField,
          refreshField: p.refreshField,
          allowInsecureHttp: p.allowInsecureHttp,
          subject: p.username,
          credentials: async () => ({
            [p.usernameField ?? "username"]: p.username ??
              (() => {
                throw new UsageError(
                  `Profile "${resolved.name}" has no username: add it or pass --username`,
                );
              })(),
            password: await secrets.required("password", "Password"),
          }),
        })));
    }
    default:
      // A given access token needs no endpoint; without one it is used until it expires.
      if (name !== "existing_token") needEndpoint(resolved);
      if (name === "client_credentials") needClientId(resolved);
      return lazy(name === "refresh_token", async (initial) => {
        const options = await endpointOptions(resolved, secrets, name === "client_credentials");
        return await oauthGrant(name, options, resolved, secrets, initial);
      });
  }
}

async function oauthGrant(
  name: GrantName,
  options: GrantOptions,
  resolved: Resolved,
  secrets: Secrets,
  initial: boolean,
): Promise<Grant> {
  const p = resolved.profile;
  // A renewal needs only the client's credentials: the user's secrets are read for the initial grant.
  const secret = async (which: Parameters<Secrets["required"]>[0], label: string) =>
    initial ? await secrets.required(which, label) : secrets.optional(which) ?? "-";
  switch (name) {
    case "client_credentials":
      return clientCredentials(options);
    case "password": {
      if (p.username === undefined) {
        throw new UsageError(
          `Profile "${resolved.name}" uses the password grant but has no username: add it or pass --username`,
        );
      }
      return password({
        ...options,
        username: p.username,
        password: await secret("password", "Password"),
      });
    }
    case "refresh_token":
      return refreshToken({
        ...options,
        refreshToken: await secret("refreshToken", "Refresh token"),
      });
    case "existing_token":
      return existingToken({
        ...options,
        accessToken: await secret("accessToken", "Access token"),
        refreshToken: secrets.optional("refreshToken"),
      });
    case "jwt_bearer": {
      const assertion = secrets.optional("assertion");
      if (assertion !== undefined) return jwtBearer({ ...options, assertion });
      const key = secrets.optional("privateKey");
      if (key === undefined || (p.assertionIssuer ?? p.clientId) === undefined) {
        throw new UsageError(
          `Profile "${resolved.name}" uses jwt_bearer: set ${
            secrets.variable("assertion")
          } to an assertion, ` +
            `or ${
              secrets.variable("privateKey")
            } to a private JWK with "assertionIssuer" in the profile`,
        );
      }
      return jwtBearer({
        ...options,
        sign: {
          key: privateJwk(key, secrets.variable("privateKey")),
          issuer: (p.assertionIssuer ?? p.clientId)!,
          subject: p.assertionSubject,
        },
      });
    }
    case "token_exchange":
      return tokenExchange({
        ...options,
        subjectToken: await secret("subjectToken", "Subject token"),
        actorToken: secrets.optional("actorToken"),
        subjectTokenType: p.subjectTokenType,
        requestedTokenType: p.requestedTokenType,
      });
    default:
      throw new UsageError(`The ${name} grant cannot be used here`);
  }
}

export { needClientId, needEndpoint };
