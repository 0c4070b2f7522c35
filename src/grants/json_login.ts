/**
 * Login to JSON APIs that are not OAuth: POST credentials, get an access/refresh JWT pair (the Django
 * SimpleJWT shape and its many look-alikes).
 *
 * @module
 */

import { OAuthError, TokenResponseError } from "../errors.ts";
import { hashedKey } from "../oauth/grant_key.ts";
import { endpointUrl, fetchOf, readCapped } from "../http.ts";
import { withDeadline } from "../with_deadline.ts";
import { type Fetch, safeUrl } from "../pipeline.ts";
import { excerpt } from "../redact.ts";
import { Secrets } from "../secrets.ts";
import { readClean } from "../platform_error.ts";
import type { Grant, GrantRequestOptions } from "../tokens/source.ts";
import { checkHeaderToken, setExpiry, type Token } from "../tokens/token.ts";

/**
 * Options of {@linkcode jsonLogin}.
 *
 * @example
 * ```ts
 * import { jsonLogin, type JsonLoginOptions } from "@authfetch/authfetch";
 * const options: JsonLoginOptions = {
 *   loginUrl: "https://api.example.com/auth/login",
 *   refreshUrl: "https://api.example.com/auth/refresh",
 *   credentials: { email: "alice@example.com", password: "s3cret" },
 *   accessField: "data.token",
 * };
 * const grant = jsonLogin(options);
 * ```
 */
export interface JsonLoginOptions {
  /** Where credentials are POSTed, such as `https://api.example.com/api/token/`. */
  loginUrl: string | URL;
  /**
   * The JSON body of the login request, such as `{ username, password }`, or a function returning it
   * (called for each login). Never logged.
   */
  credentials:
    | Record<string, unknown>
    | (() => Record<string, unknown> | Promise<Record<string, unknown>>);
  /** Where a refresh token is POSTed for a new access token. @default undefined (log in again instead) */
  refreshUrl?: string | URL;
  /** Where a token is POSTed to check it, for {@linkcode JsonLoginGrant.verify}. @default undefined */
  verifyUrl?: string | URL;
  /** The response member with the access token; dots reach into objects (`"data.token"`). @default "access" */
  accessField?: string;
  /** The response member with the refresh token; dots reach into objects. @default "refresh" */
  refreshField?: string;
  /** The member of the refresh request body that carries the refresh token. @default "refresh" */
  refreshRequestField?: string;
  /** The member of the verify request body that carries the token. @default "token" */
  verifyRequestField?: string;
  /**
   * A response member with the lifetime in seconds. @default undefined: expiry comes from the JWT `exp`
   * claim
   */
  expiresInField?: string;
  /** The `Authorization` scheme for the access token. @default "Bearer" */
  tokenType?: string;
  /** A non-secret name for the store key. @default `credentials.username` or `credentials.email` when a string */
  subject?: string;
  /** Extra request headers. @default {} */
  headers?: HeadersInit;
  /** The fetch for login, refresh and verify requests. @default globalThis.fetch */
  fetch?: Fetch;
  /** Allow plain `http:` URLs that are not loopback. @default false */
  allowInsecureHttp?: boolean;
  /**
   * Time limit of each login, refresh or verify exchange, ms, from sending the request to the last byte
   * of the answer (a server that stalls after its headers cannot hold callers). Rejects with
   * `TimeoutError`. @default 30000
   */
  timeout?: number;
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
}

/**
 * The grant {@linkcode jsonLogin} returns: a {@linkcode Grant} that can also check a token.
 *
 * @example
 * ```ts
 * import { jsonLogin, type JsonLoginGrant } from "@authfetch/authfetch";
 * const grant: JsonLoginGrant = jsonLogin({
 *   loginUrl: "https://api.example.com/api/token/",
 *   verifyUrl: "https://api.example.com/api/token/verify/",
 *   credentials: { username: "alice", password: "s3cret" },
 * });
 * // const valid = await grant.verify("a-saved-access-token");
 * ```
 */
export interface JsonLoginGrant extends Grant {
  /**
   * Asks the verify URL whether a token is valid: `true` for a 2xx, `false` for 400/401/403.
   *
   * @param token An access or refresh token, or a {@linkcode Token} (its access token is checked).
   * @param options A signal.
   * @returns Whether the server accepts the token.
   * @throws {TypeError} When no `verifyUrl` was given.
   * @throws {TokenResponseError} For any other answer (5xx, redirect) or a network failure.
   */
  verify(token: string | Token, options?: GrantRequestOptions): Promise<boolean>;
}

/**
 * A grant for JWT login APIs that are not OAuth, such as Django REST framework SimpleJWT: POSTs JSON
 * credentials to `loginUrl` and reads the access and refresh tokens from the response (`{"access",
 * "refresh"}` by default), renews through `refreshUrl` (a rotated refresh token is kept), and checks a
 * token on demand with `verify()` through `verifyUrl`. Expiry comes from the JWT `exp`. A rejected
 * refresh (400/401) is an {@linkcode OAuthError} `invalid_grant`, so {@linkcode tokenSource} logs in
 * again; rejected credentials are `invalid_grant` too, with the server's `detail`. Redirects are not
 * followed, so credentials never go to another address.
 *
 * @param options The URLs, credentials and field names.
 * @returns The grant, for {@linkcode tokenSource}, with `verify()`.
 * @throws {TypeError} When a URL is invalid, or plain `http:` to a non-loopback host.
 * @throws {RangeError} When `timeout` is not a positive finite number.
 * @example
 * ```ts
 * import { auth, createFetch, jsonLogin, tokenSource } from "@authfetch/authfetch";
 * const login = jsonLogin({
 *   loginUrl: "https://api.example.com/api/token/",
 *   refreshUrl: "https://api.example.com/api/token/refresh/",
 *   verifyUrl: "https://api.example.com/api/token/verify/",
 *   credentials: { username: "alice", password: "correct horse battery staple" },
 * });
 * const api = createFetch([auth(tokenSource(login))]);
 * // const ok = await login.verify((await tokens.getToken()).accessToken);
 * ```
 */
export function jsonLogin(options: JsonLoginOptions): JsonLoginGrant {
  const insecure = options.allowInsecureHttp;
  const loginUrl = endpointUrl(options.loginUrl, "loginUrl", insecure);
  const refreshUrl = options.refreshUrl === undefined
    ? undefined
    : endpointUrl(options.refreshUrl, "refreshUrl", insecure);
  const verifyUrl = options.verifyUrl === undefined
    ? undefined
    : endpointUrl(options.verifyUrl, "verifyUrl", insecure);
  const accessField = options.accessField ?? "access";
  const refreshField = options.refreshField ?? "refresh";
  const refreshRequestField = options.refreshRequestField ?? "refresh";
  const verifyRequestField = options.verifyRequestField ?? "token";
  const now = options.now ?? Date.now;
  const fetch = fetchOf(options.fetch);

  const limit = options.timeout ?? 30_000;
  if (!(limit > 0) || !Number.isFinite(limit)) {
    throw new RangeError(
      `Cannot create jsonLogin(): timeout must be a finite number > 0, current value is ${limit}`,
    );
  }

  /** POSTs `body` and reads the answer with `read`, the whole exchange under the deadline. */
  const post = <T>(
    url: URL,
    body: unknown,
    caller: AbortSignal | undefined,
    context: string,
    read: (response: Response) => Promise<T>,
    secrets: Secrets,
  ): Promise<T> =>
    withDeadline(limit, caller, `${context} to ${safeUrl(url)}`, async (signal) => {
      const headers = new Headers(options.headers);
      headers.set("accept", "application/json");
      headers.set("content-type", "application/json");
      secrets.addHeaders(headers);
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers,
          body: JSON.stringify(body),
          redirect: "manual",
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw (await import("../lazy.ts")).sendError(context, url, error, secrets);
      }
      return await read(response);
    });

  const tokenFrom = (body: Record<string, unknown>, context: string, secrets: Secrets): Token => {
    const accessToken = field(body, accessField);
    if (typeof accessToken !== "string" || accessToken === "") {
      throw new TokenResponseError(
        `${context} has no "${accessField}" string: ${excerpt(JSON.stringify(body), 120, secrets)}`,
      );
    }
    const tokenType = options.tokenType ?? "Bearer";
    checkHeaderToken(accessToken, tokenType, context);
    const token: Token = {
      accessToken,
      tokenType,
      issuedAt: now(),
      raw: body,
    };
    const refresh = field(body, refreshField);
    if (typeof refresh === "string" && refresh !== "") token.refreshToken = refresh;
    const lifetime = options.expiresInField === undefined
      ? undefined
      : field(body, options.expiresInField);
    const expiresIn =
      typeof lifetime === "number" || (typeof lifetime === "string" && lifetime !== "")
        ? Number(lifetime)
        : NaN;
    setExpiry(token, Number.isFinite(expiresIn) && expiresIn >= 0 ? expiresIn : undefined);
    return token;
  };

  /** Posts `body` and reads the JSON answer as a token (`context` and `answerName` name them in errors). */
  const exchange = async (
    url: URL,
    body: unknown,
    signal: AbortSignal | undefined,
    context: string,
    answerName: string,
    secrets: Secrets,
  ): Promise<Token> => {
    const answer = await post(
      url,
      body,
      signal,
      context,
      (response) => readJson(response, context, secrets),
      secrets,
    );
    return tokenFrom(answer, answerName, secrets);
  };

  const grant: JsonLoginGrant = {
    key: hashedKey("json_login", [
      loginUrl.href,
      options.subject ?? subjectOf(options.credentials) ?? "",
    ]),
    legacyKey: [
      "json_login",
      loginUrl.href,
      options.subject ?? subjectOf(options.credentials) ?? "",
    ]
      .join("|"),
    async token(request: GrantRequestOptions = {}): Promise<Token> {
      const credentials = typeof options.credentials === "function"
        ? await options.credentials()
        : options.credentials;
      const secrets = new Secrets(stringsIn(credentials));
      return await exchange(
        loginUrl,
        credentials,
        request.signal,
        "login",
        "login response",
        secrets,
      );
    },
    async verify(token: string | Token, request: GrantRequestOptions = {}): Promise<boolean> {
      if (verifyUrl === undefined) {
        throw new TypeError("Cannot verify a token: jsonLogin() was given no verifyUrl");
      }
      const value = typeof token === "string" ? token : token.accessToken;
      const secrets = new Secrets([value]);
      return await post(
        verifyUrl,
        { [verifyRequestField]: value },
        request.signal,
        "verify",
        async (response) => {
          if (response.ok) {
            await response.body?.cancel();
            return true;
          }
          if (response.status === 400 || response.status === 401 || response.status === 403) {
            await response.body?.cancel();
            return false;
          }
          await readJson(response, "verify", secrets);
          return false;
        },
        secrets,
      );
    },
  };
  if (refreshUrl !== undefined) {
    grant.refresh = async (token: Token, request: GrantRequestOptions = {}): Promise<Token> => {
      const body = { [refreshRequestField]: token.refreshToken };
      const secrets = new Secrets([token.refreshToken, token.accessToken]);
      const next = await exchange(
        refreshUrl,
        body,
        request.signal,
        "token refresh",
        "refresh response",
        secrets,
      );
      next.refreshToken ??= token.refreshToken;
      return next;
    };
  }
  return grant;
}

/**
 * Reads a JSON object answer; 400/401/403 with JSON become {@linkcode OAuthError} `invalid_grant` (or
 * `invalid_request` for a 400 that names fields), anything else unusable a {@linkcode TokenResponseError}.
 */
async function readJson(
  response: Response,
  context: string,
  secrets: Secrets,
): Promise<Record<string, unknown>> {
  const status = response.status;
  if (status >= 300 && status < 400) {
    await response.body?.cancel();
    throw (await import("../lazy.ts")).redirectError(
      context,
      status,
      "no credentials go to another address: check the URL",
    );
  }
  const text = await readClean(() => readCapped(response), secrets);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const type = response.headers.get("content-type") ?? "";
    throw (await import("../lazy.ts")).notJsonError(context, status, type, text, secrets);
  }
  const object = body !== null && typeof body === "object" && !Array.isArray(body)
    ? body as Record<string, unknown>
    : undefined;
  if (object !== undefined && (status === 400 || status === 401 || status === 403)) {
    const detail = typeof object.detail === "string"
      ? object.detail
      : typeof object.error_description === "string"
      ? object.error_description
      : excerpt(JSON.stringify(object), 120, secrets);
    const named = typeof object.error === "string" && object.error !== "";
    throw new OAuthError({
      error: named
        ? object.error as string
        : status === 400 && object.detail === undefined
        ? "invalid_request"
        : "invalid_grant",
      errorDescription: detail,
      status,
      context,
      secrets,
    });
  }
  if (!response.ok || object === undefined) {
    throw new TokenResponseError(
      `${context} failed with HTTP ${status}: ${excerpt(text, 120, secrets)}`,
      { status },
    );
  }
  return object;
}

function field(body: Record<string, unknown>, path: string): unknown {
  let value: unknown = body;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Every string in the login body (passwords, one-time codes…), at most 64 of them. */
function stringsIn(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === "string") out.push(value);
  else if (value !== null && typeof value === "object" && depth < 4) {
    for (const item of Object.values(value)) {
      if (out.length >= 64) break;
      stringsIn(item, out, depth + 1);
    }
  }
  return out;
}

function subjectOf(credentials: JsonLoginOptions["credentials"]): string | undefined {
  if (typeof credentials === "function") return undefined;
  const name = credentials.username ?? credentials.email;
  return typeof name === "string" ? name : undefined;
}
