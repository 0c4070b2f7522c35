/**
 * The authorization code grant (RFC 6749 §4.1) with PKCE S256 (RFC 7636), signed state, RFC 9207
 * issuer checks and OpenID Connect ID token validation, for web servers and native apps.
 *
 * @module
 */

import {
  AuthFetchError,
  IdTokenError,
  OAuthError,
  StateError,
  TokenResponseError,
} from "../errors.ts";
import { endpointUrl } from "../http.ts";
import { createFetch } from "../pipeline.ts";
import { timeout as timeoutHandler } from "../handlers/timeout.ts";
import { type AuthorizationServerMetadata, discover } from "../oauth/discovery.ts";
import {
  type IdTokenClaims,
  type IdTokenValidationOptions,
  validateIdToken,
} from "../oauth/id_token.ts";
import { codeChallengeS256, generateCodeVerifier, randomToken } from "../oauth/pkce.ts";
import {
  checkStateKey,
  randomState,
  signState,
  type StateKey,
  timingSafeEqual,
  verifyState,
} from "../oauth/state.ts";
import type { Grant, GrantRequestOptions } from "../tokens/source.ts";
import type { Token } from "../tokens/token.ts";
import {
  type GrantOptions,
  requestToken,
  scopeString,
  withGrantKeys,
} from "../oauth/token_request.ts";
import { Secrets } from "../secrets.ts";
import { refreshWith } from "./_refresh.ts";

/**
 * Options of {@linkcode authorizationCode}.
 *
 * @example
 * ```ts
 * import { authorizationCode, type AuthorizationCodeOptions } from "@authfetch/authfetch";
 * const options: AuthorizationCodeOptions = {
 *   issuer: "https://auth.example.com",
 *   clientId: "web",
 *   baseUrl: "https://app.example.com/myapp",
 *   scope: "openid email",
 * };
 * console.log(authorizationCode(options).redirectUri); // "https://app.example.com/myapp/callback"
 * ```
 */
export interface AuthorizationCodeOptions extends GrantOptions {
  /** The client id. */
  clientId: string;
  /** The authorization endpoint. @default the issuer's `authorization_endpoint`, by discovery */
  authorizationUrl?: string | URL;
  /** The whole redirect URI. Or give `baseUrl`, or `host` and friends. @default built from the parts below */
  redirectUri?: string | URL;
  /** The application's public base URL, e.g. `https://app.example.com/myapp`; the callback path is appended. @default undefined */
  baseUrl?: string | URL;
  /** Scheme of the public base URL, when given in parts. @default "https" */
  scheme?: "https" | "http";
  /** Host name of the public base URL, when given in parts. @default undefined */
  host?: string;
  /** Port of the public base URL, when given in parts. @default the scheme's default port */
  port?: number;
  /** Path prefix of the application behind a proxy, when given in parts, e.g. `/myapp`. @default "" */
  prefix?: string;
  /** The callback path appended to the base URL. @default "/callback" */
  callbackPath?: string;
  /**
   * Sign the state: a secret (≥ 32 bytes), an HMAC `CryptoKey` or a key pair. The state then is a compact
   * JWT with expiry, a random nonce, `aud` = the client id and `iss` = the issuer (or authorization
   * endpoint), and `finish` rejects a forged, expired or other client's state. @default undefined (random state)
   */
  stateKey?: StateKey;
  /** How long a signed state is valid, ms. @default 600000 (10 minutes) */
  stateMaxAge?: number;
  /** `prompt` sent with every authorization request (`login`, `consent`, `select_account`, `none`). @default undefined */
  prompt?: string;
  /** Extra authorization request parameters sent with every request. @default {} */
  authorizationParams?: Record<string, string>;
  /** Time limit for each request to the token endpoint, discovery and JWKS, ms. @default 30000 */
  timeout?: number;
  /**
   * ID token validation settings (JWKS URL, algorithms, clock tolerance), or `false` to skip validating
   * (only for servers that send unusable ID tokens without `openid`). @default {} (validate)
   */
  idTokenValidation?:
    | Partial<Pick<IdTokenValidationOptions, "jwksUri" | "jwks" | "algorithms" | "clockTolerance">>
    | false;
}

/**
 * Options of {@linkcode AuthorizationCodeFlow.start}.
 *
 * @example
 * ```ts
 * import { authorizationCode, type AuthorizationStartOptions } from "@authfetch/authfetch";
 * const flow = authorizationCode({
 *   authorizationUrl: "https://auth.example.com/authorize",
 *   clientId: "web",
 *   redirectUri: "https://app.example.com/callback",
 * });
 * const options: AuthorizationStartOptions = { scope: ["openid", "email"], loginHint: "alice" };
 * console.log((await flow.start(options)).url.searchParams.get("login_hint")); // "alice"
 * ```
 */
export interface AuthorizationStartOptions {
  /** Scope for this login, replacing the configured one. @default the configured `scope` */
  scope?: string | readonly string[];
  /** `prompt` for this login. @default the configured `prompt` */
  prompt?: string;
  /** `login_hint`. @default undefined */
  loginHint?: string;
  /** Redirect URI for this login (a native app's loopback port, say). @default the configured one */
  redirectUri?: string | URL;
  /** Send an OIDC `nonce`. @default true when the scope contains `openid` */
  nonce?: boolean;
  /** Extra authorization request parameters for this login. @default {} */
  params?: Record<string, string>;
  /** Aborts discovery. @default undefined */
  signal?: AbortSignal;
}

/**
 * What {@linkcode AuthorizationCodeFlow.start} returns: send the user to `url`, keep the rest.
 *
 * @example
 * ```ts
 * import { authorizationCode, type AuthorizationRequest } from "@authfetch/authfetch";
 * const flow = authorizationCode({
 *   authorizationUrl: "https://auth.example.com/authorize",
 *   clientId: "web",
 *   redirectUri: "https://app.example.com/callback",
 * });
 * const login: AuthorizationRequest = await flow.start(); // keep state and codeVerifier
 * console.log(login.url.searchParams.get("code_challenge_method")); // "S256"
 * ```
 */
export interface AuthorizationRequest {
  /** The authorization URL to send the user's browser to. */
  url: URL;
  /** The state; keep it with the login (cookie, session) and pass it to `finish`. */
  state: string;
  /** The PKCE code verifier; keep it secret with the login and pass it to `finish`. */
  codeVerifier: string;
  /** The OIDC nonce, when one was sent; pass it to `finish`. */
  nonce?: string;
  /** The redirect URI used; pass it to `finish` when it was given to `start`. */
  redirectUri: string;
}

/**
 * Options of {@linkcode AuthorizationCodeFlow.finish}: what `start` returned and was kept.
 *
 * @example
 * ```ts
 * import { authorizationCode, type AuthorizationFinishOptions } from "@authfetch/authfetch";
 * const flow = authorizationCode({ issuer: "https://auth.example.com", clientId: "web" });
 * async function callback(request: Request, kept: AuthorizationFinishOptions) {
 *   return await flow.finish(new URL(request.url), kept);
 * }
 * // await callback(request, { state: session.state, codeVerifier: session.codeVerifier });
 * ```
 */
export interface AuthorizationFinishOptions {
  /** The state from `start`; required unless `stateKey` is set (recommended even then, to bind the session). */
  state?: string;
  /** The PKCE code verifier from `start`. */
  codeVerifier: string;
  /** The nonce from `start`; when given, the ID token must carry it. @default undefined */
  nonce?: string;
  /** The redirect URI, when one was given to `start`. @default the configured one */
  redirectUri?: string | URL;
  /** Aborts the code exchange. @default undefined */
  signal?: AbortSignal;
}

/**
 * The token `finish` returns; `idTokenClaims` holds the validated ID token's claims, if any.
 *
 * @example
 * ```ts
 * import type { AuthorizationCodeToken } from "@authfetch/authfetch";
 * function userOf(token: AuthorizationCodeToken): string | undefined {
 *   return token.idTokenClaims?.sub;
 * }
 * // const user = userOf(await flow.finish(callbackUrl, kept));
 * ```
 */
export interface AuthorizationCodeToken extends Token {
  /** The validated ID token claims (`sub`, `email`…), when an ID token came. */
  idTokenClaims?: IdTokenClaims;
}

/**
 * A configured authorization code flow.
 *
 * @example
 * ```ts
 * import { authorizationCode, type AuthorizationCodeFlow } from "@authfetch/authfetch";
 * const flow: AuthorizationCodeFlow = authorizationCode({
 *   issuer: "https://auth.example.com",
 *   clientId: "web",
 *   redirectUri: "https://app.example.com/callback",
 * });
 * // const { url, state, codeVerifier } = await flow.start(); then, in the callback:
 * // const grant = flow.grant(await flow.finish(callbackUrl, { state, codeVerifier }));
 * ```
 */
export interface AuthorizationCodeFlow {
  /** The configured redirect URI, if one was configured. */
  readonly redirectUri?: string;
  /**
   * Starts a login: builds the authorization URL with PKCE S256, state and (for OIDC) a nonce.
   *
   * @param options Scope, prompt, hints and extra parameters for this login.
   * @returns The URL to redirect to, and the state, code verifier and nonce to keep.
   */
  start(options?: AuthorizationStartOptions): Promise<AuthorizationRequest>;
  /**
   * Finishes a login: checks the callback (state, `iss`, `error`), exchanges the code and validates the
   * ID token.
   *
   * @param callback The callback URL (or its query parameters) the browser arrived with.
   * @param options What `start` returned and was kept.
   * @returns The token.
   */
  finish(
    callback: URL | string | URLSearchParams,
    options: AuthorizationFinishOptions,
  ): Promise<AuthorizationCodeToken>;
  /**
   * A {@linkcode Grant} for {@linkcode tokenSource} that hands out `token` (from `finish`) first and then
   * renews it with its refresh token. It is interactive: when there is no way to renew without a person,
   * it throws an `AuthFetchError` (`token_unavailable`) or `OAuthError` (`invalid_grant`) and the app should
   * log the user in again.
   *
   * @param token The token `finish` returned, or one kept from an earlier login.
   * @returns The grant.
   */
  grant(token?: Token): Grant;
}

/**
 * The authorization code grant with PKCE S256 (always), for web servers and native apps.
 *
 * `start()` returns the authorization URL plus the `state`, `codeVerifier` and `nonce` to keep with the
 * login (an HttpOnly cookie, a session); `finish(callbackUrl, kept)` verifies the state (signed and
 * expiring with `stateKey`; compared in constant time otherwise), turns `error` in the callback into an
 * {@linkcode OAuthError}, checks the RFC 9207 `iss` parameter (required when the issuer advertises
 * `authorization_response_iss_parameter_supported`), exchanges the code (no redirects followed, with a
 * time limit) and, when `openid` was requested, validates the ID token against the issuer's JWKS.
 * `grant(token)` plugs the result into {@linkcode tokenSource} so it is renewed with the refresh token.
 *
 * @param options Issuer or endpoints, client, redirect URI (whole or in parts), state key, scope.
 * @returns The flow: `start`, `finish`, `grant`.
 * @throws {TypeError} When `clientId` is missing or the redirect URI parts are invalid.
 * @throws {RangeError} When `stateKey` is too short or a number option is out of range.
 * @example
 * ```ts
 * import { authorizationCode, tokenSource } from "@authfetch/authfetch";
 * const login = authorizationCode({
 *   issuer: "https://accounts.example.com",
 *   clientId: "web",
 *   clientSecret: "web-secret",
 *   baseUrl: "https://app.example.com/myapp",
 *   scope: "openid profile offline_access",
 *   stateKey: "a-secret-of-at-least-32-bytes-long!!",
 * });
 * // In the /login handler:
 * // const { url, state, codeVerifier, nonce } = await login.start();
 * // …keep them in a cookie, redirect to url…
 * // In the /callback handler:
 * // const token = await login.finish(request.url, { state, codeVerifier, nonce });
 * // const tokens = tokenSource(login.grant(token));
 * ```
 */
export function authorizationCode(options: AuthorizationCodeOptions): AuthorizationCodeFlow {
  if (typeof options.clientId !== "string" || options.clientId === "") {
    throw new TypeError(
      `Cannot create authorizationCode(): clientId must be a non-empty string, current value is ${options.clientId}`,
    );
  }
  if (options.stateKey !== undefined) checkStateKey(options.stateKey);
  const stateMaxAge = options.stateMaxAge ?? 600_000;
  if (!(stateMaxAge > 0) || !Number.isFinite(stateMaxAge)) {
    throw new RangeError(
      `Cannot create authorizationCode(): stateMaxAge must be > 0 ms, current value is ${stateMaxAge}`,
    );
  }
  const timeoutMs = options.timeout ?? 30_000;
  const configuredRedirect = redirectUriOf(options);
  // Every request to the authorization server goes through a per-attempt time limit.
  const endpoint: AuthorizationCodeOptions = {
    ...options,
    fetch: createFetch([timeoutHandler(timeoutMs)], { fetch: options.fetch }),
  };
  const now = options.now ?? Date.now;
  let metadata: Promise<AuthorizationServerMetadata | undefined> | undefined;

  function serverMetadata(signal?: AbortSignal): Promise<AuthorizationServerMetadata | undefined> {
    if (options.issuer === undefined) return Promise.resolve(undefined);
    const pending = metadata ??= discover(options.issuer, {
      fetch: endpoint.fetch,
      allowInsecureHttp: options.allowInsecureHttp,
      signal,
    });
    pending.catch(() => {
      if (metadata === pending) metadata = undefined;
    });
    return pending;
  }

  async function authorizationEndpoint(signal?: AbortSignal): Promise<URL> {
    if (options.authorizationUrl !== undefined) {
      return endpointUrl(options.authorizationUrl, "authorizationUrl", options.allowInsecureHttp);
    }
    const found = (await serverMetadata(signal))?.authorization_endpoint;
    if (typeof found !== "string") {
      throw new TypeError(
        options.issuer === undefined
          ? "Cannot start the authorization: give authorizationUrl or an issuer to discover it from"
          : `Cannot start the authorization: the issuer ${options.issuer} advertises no authorization_endpoint`,
      );
    }
    return endpointUrl(found, "authorization_endpoint", options.allowInsecureHttp);
  }

  async function stateOptions() {
    const issuer = options.issuer !== undefined
      ? String(options.issuer)
      : (await authorizationEndpoint()).href;
    return {
      key: options.stateKey!,
      clientId: options.clientId,
      issuer,
      maxAge: stateMaxAge,
      now,
    };
  }

  async function checkIdToken(token: AuthorizationCodeToken, nonce: string | undefined) {
    const settings = options.idTokenValidation;
    if (settings === false || token.idToken === undefined) return;
    if (options.issuer === undefined) {
      throw new IdTokenError(
        "Cannot validate the ID token: give the issuer option (or idTokenValidation: false)",
      );
    }
    token.idTokenClaims = await validateIdToken(token.idToken, {
      ...settings,
      issuer: options.issuer,
      clientId: options.clientId,
      nonce,
      now,
      fetch: endpoint.fetch,
      allowInsecureHttp: options.allowInsecureHttp,
    });
  }

  async function refresh(refreshToken: string, request: GrantRequestOptions): Promise<Token> {
    // No scope: the refreshed token gets the scope the user granted (RFC 6749 §6), which may be less
    // than what was asked for (servers drop offline_access, say).
    const next: AuthorizationCodeToken = await refreshWith(
      { ...endpoint, scope: undefined },
      refreshToken,
      request,
    );
    await checkIdToken(next, undefined);
    return next;
  }

  return {
    redirectUri: configuredRedirect,

    async start(start: AuthorizationStartOptions = {}): Promise<AuthorizationRequest> {
      const redirectUri = start.redirectUri !== undefined
        ? new URL(start.redirectUri).href
        : configuredRedirect;
      if (redirectUri === undefined) {
        throw new TypeError(
          "Cannot start the authorization: give redirectUri, baseUrl or host (to the options or to start())",
        );
      }
      const url = await authorizationEndpoint(start.signal);
      const scope = scopeString(start.scope ?? options.scope);
      const openid = scope?.split(" ").includes("openid") ?? false;
      const codeVerifier = generateCodeVerifier();
      const state = options.stateKey !== undefined
        ? await signState(await stateOptions())
        : randomState();
      const nonce = (start.nonce ?? openid) ? randomToken(32) : undefined;
      const params: Record<string, string | undefined> = {
        ...options.authorizationParams,
        ...start.params,
        response_type: "code",
        client_id: options.clientId,
        redirect_uri: redirectUri,
        scope,
        state,
        nonce,
        code_challenge: await codeChallengeS256(codeVerifier),
        code_challenge_method: "S256",
        prompt: start.prompt ?? options.prompt,
        login_hint: start.loginHint,
        audience: options.audience,
      };
      for (const [key, value] of Object.entries(params)) {
        if (value !== undefined) url.searchParams.set(key, value);
      }
      for (const resource of [options.resource ?? []].flat()) {
        url.searchParams.append("resource", resource);
      }
      const result: AuthorizationRequest = { url, state, codeVerifier, redirectUri };
      if (nonce !== undefined) result.nonce = nonce;
      return result;
    },

    async finish(
      callback: URL | string | URLSearchParams,
      kept: AuthorizationFinishOptions,
    ): Promise<AuthorizationCodeToken> {
      if (typeof kept?.codeVerifier !== "string" || kept.codeVerifier === "") {
        throw new TypeError(
          "Cannot finish the authorization: pass the codeVerifier start() returned",
        );
      }
      if (kept.state === undefined && options.stateKey === undefined) {
        throw new TypeError(
          "Cannot finish the authorization: pass the state start() returned (or configure stateKey)",
        );
      }
      const redirectUri = kept.redirectUri !== undefined
        ? new URL(kept.redirectUri).href
        : configuredRedirect;
      const params = callbackParams(callback, redirectUri);

      // 1. The response must belong to this login.
      const state = params.get("state");
      if (state === null) {
        throw new StateError(
          "The authorization response has no state; refusing it (possible CSRF)",
        );
      }
      if (options.stateKey !== undefined) await verifyState(state, await stateOptions());
      if (kept.state !== undefined && !timingSafeEqual(state, kept.state)) {
        throw new StateError(
          "The authorization response's state does not match the state this login started with " +
            "(another login's response, or a forged one); start again",
        );
      }

      // 2. RFC 9207: it must come from this issuer (mix-up defence).
      const iss = params.get("iss");
      const server = await serverMetadata(kept.signal);
      if (iss !== null && options.issuer !== undefined && iss !== String(options.issuer)) {
        throw new StateError(
          `The authorization response comes from issuer "${
            iss.slice(0, 200)
          }", not "${options.issuer}" ` +
            "(RFC 9207 mix-up defence); refusing it",
        );
      }
      if (iss === null && server?.authorization_response_iss_parameter_supported === true) {
        throw new StateError(
          `The authorization response has no iss parameter although ${options.issuer} advertises ` +
            "authorization_response_iss_parameter_supported (RFC 9207); refusing it",
        );
      }

      // 3. The server's answer.
      const error = params.get("error");
      if (error !== null) {
        throw new OAuthError({
          error,
          errorDescription: params.get("error_description") ?? undefined,
          errorUri: params.get("error_uri") ?? undefined,
          context: "authorization",
          // The redirect carries the state; the verifier and a stray code never belong in an error.
          secrets: new Secrets([state, kept.codeVerifier, params.get("code") ?? undefined]),
        });
      }
      const code = params.get("code");
      if (code === null || code === "") {
        throw new TokenResponseError("The authorization response has neither a code nor an error");
      }
      if (redirectUri === undefined) {
        throw new TypeError(
          "Cannot finish the authorization: pass the redirectUri given to start() (none is configured)",
        );
      }

      // 4. The code exchange and the ID token.
      const token: AuthorizationCodeToken = await requestToken(endpoint, {
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        code_verifier: kept.codeVerifier,
        resource: options.resource,
      }, { signal: kept.signal });
      const openid = kept.nonce !== undefined ||
        (scopeString(options.scope)?.split(" ").includes("openid") ?? false);
      if (openid && token.idToken === undefined && options.idTokenValidation !== false) {
        throw new IdTokenError(
          "The token response has no id_token although openid was requested",
        );
      }
      await checkIdToken(token, kept.nonce);
      return token;
    },

    grant(token?: Token): Grant {
      let first = token;
      const subject = (token as AuthorizationCodeToken | undefined)?.idTokenClaims?.sub;
      return withGrantKeys("authorization_code", { ...options, subject }, {
        interactive: true,
        async token(request: GrantRequestOptions = {}): Promise<Token> {
          const given = first;
          first = undefined;
          if (given !== undefined && (given.expiresAt === undefined || now() < given.expiresAt)) {
            return given;
          }
          if (given?.refreshToken !== undefined) return await refresh(given.refreshToken, request);
          throw new AuthFetchError(
            "token_unavailable",
            "No token from an authorization code login is available (none was given, it expired " +
              "without a refresh token, or it was rejected): the user must log in again",
          );
        },
        refresh(current: Token, request: GrantRequestOptions = {}): Promise<Token> {
          return refresh(current.refreshToken!, request);
        },
      });
    },
  };
}

function callbackParams(
  callback: URL | string | URLSearchParams,
  redirectUri: string | undefined,
): URLSearchParams {
  if (callback instanceof URLSearchParams) return callback;
  const url = new URL(callback, redirectUri ?? "http://localhost/");
  if (!url.search && url.hash.length > 1) return new URLSearchParams(url.hash.slice(1));
  return url.searchParams;
}

/**
 * The redirect URI from `redirectUri`, `baseUrl` + `callbackPath`, or scheme/host/port/prefix.
 *
 * @param o The options.
 * @returns The redirect URI, or undefined when none is configured.
 * @throws {TypeError} When a part is invalid.
 * @throws {RangeError} When the port or timeout is out of range.
 */
function redirectUriOf(o: AuthorizationCodeOptions): string | undefined {
  if (o.timeout !== undefined && (!(o.timeout > 0) || !Number.isFinite(o.timeout))) {
    throw new RangeError(
      `Cannot create authorizationCode(): timeout must be > 0 ms, current value is ${o.timeout}`,
    );
  }
  const path = o.callbackPath ?? "/callback";
  if (!path.startsWith("/")) {
    throw new TypeError(
      `Cannot create authorizationCode(): callbackPath must start with "/", current value is ${path}`,
    );
  }
  if (o.redirectUri !== undefined) return absolute(o.redirectUri, "redirectUri").href;
  if (o.baseUrl !== undefined) {
    const base = absolute(o.baseUrl, "baseUrl");
    return `${base.origin}${base.pathname.replace(/\/+$/, "")}${path}`;
  }
  if (o.host === undefined) return undefined;
  const scheme = o.scheme ?? "https";
  if (scheme !== "https" && scheme !== "http") {
    throw new TypeError(
      `Cannot create authorizationCode(): scheme must be "https" or "http", current value is ${scheme}`,
    );
  }
  if (o.host === "" || /[/?#@\s]/.test(o.host)) {
    throw new TypeError(
      `Cannot create authorizationCode(): host must be a bare host name, current value is ${o.host}`,
    );
  }
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)) {
    throw new RangeError(
      `Cannot create authorizationCode(): port must be an integer 1-65535, current value is ${o.port}`,
    );
  }
  const prefix = (o.prefix ?? "").replace(/^\/*/, "/").replace(/\/+$/, "");
  const url = new URL(`${scheme}://${o.host}${o.port !== undefined ? `:${o.port}` : ""}`);
  return `${url.origin}${prefix}${path}`;
}

function absolute(value: string | URL, what: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new TypeError(
      `Cannot create authorizationCode(): ${what} must be an absolute URL, current value is ${
        String(value).slice(0, 200)
      }`,
    );
  }
}
