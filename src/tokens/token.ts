/**
 * The {@linkcode Token} type, parsing of token endpoint responses and expiry arithmetic.
 *
 * @module
 */

import { type AuthFetchError, OAuthError, TokenResponseError } from "../errors.ts";
import { excerpt } from "../redact.ts";
import type { Secrets } from "../secrets.ts";
import {
  expiry,
  headerFits,
  headerValue,
  lifetimeOf,
  OPTIONAL_STRINGS,
  readToken,
  SCHEME,
} from "./token_read.ts";

import { jwtTimes } from "./jwt_times.ts";

export { jwtTimes };
export { MAX_REFRESH_SHARE, refreshAt } from "./token_read.ts";

/**
 * An access token with what came with it.
 *
 * @example
 * ```ts
 * import { authorizationHeader, type Token } from "@authfetch/authfetch";
 * const token: Token = {
 *   accessToken: "abc",
 *   tokenType: "Bearer",
 *   expiresAt: Date.now() + 3_600_000,
 * };
 * console.log(authorizationHeader(token)); // "Bearer abc"
 * ```
 */
export interface Token {
  /** The access token. */
  accessToken: string;
  /** The token type as the server wrote it: `"Bearer"`, `"DPoP"`, … */
  tokenType: string;
  /** Expiry, epoch milliseconds: from `expires_in`, else the JWT `exp` claim; absent when unknown. */
  expiresAt?: number;
  /** When the token was obtained (or the JWT `iat`), epoch ms; its lifetime is measured from here. */
  issuedAt?: number;
  /** The refresh token, if any. */
  refreshToken?: string;
  /** The granted scope, if the server said. */
  scope?: string;
  /** The OpenID Connect ID token, if any. */
  idToken?: string;
  /** RFC 8693 `issued_token_type`, for token exchange. */
  issuedTokenType?: string;
  /** RFC 9449: the JWK thumbprint of the DPoP key the token is bound to; it is sent only with that key. */
  dpopJkt?: string;
  /** The whole token response. */
  raw?: Record<string, unknown>;
}

/**
 * Options of {@linkcode tokenFromResponse}.
 *
 * @example
 * ```ts
 * import { tokenFromResponse, type TokenFromResponseOptions } from "@authfetch/authfetch";
 * const options: TokenFromResponseOptions = { now: () => 1_000_000, context: "login response" };
 * const body = { access_token: "abc", token_type: "Bearer", expires_in: 60 };
 * console.log(tokenFromResponse(body, options).expiresAt); // 1060000
 * ```
 */
export interface TokenFromResponseOptions {
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
  /** Names used in messages. @default "token response" */
  context?: string;
  /** The secret values of the exchange, scrubbed from any error. @default undefined */
  secrets?: Secrets;
}

/**
 * Builds a {@linkcode Token} from a parsed token endpoint response (RFC 6749 §5.1), checking types.
 * An `error` member makes it an {@linkcode OAuthError} even with status 200.
 *
 * @param body The parsed JSON (or form) body.
 * @param options The clock.
 * @returns The token.
 * @throws {OAuthError} When the body carries an `error`.
 * @throws {TokenResponseError} When `access_token` is missing, a member has the wrong type, or
 * `access_token` and `token_type` cannot be sent in an `Authorization` header.
 * @example
 * ```ts
 * import { tokenFromResponse } from "@authfetch/authfetch";
 * const token = tokenFromResponse({ access_token: "abc", token_type: "bearer", expires_in: 3600 });
 * console.log(token.tokenType, token.expiresAt! > Date.now()); // "bearer" true
 * ```
 */
export function tokenFromResponse(body: unknown, options: TokenFromResponseOptions = {}): Token {
  const context = options.context ?? "token response";
  const secrets = options.secrets;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new TokenResponseError(
      `${context} is not a JSON object: ${excerpt(String(JSON.stringify(body)), 120, secrets)}`,
    );
  }
  const raw = body as Record<string, unknown>;
  const token = readToken(raw, (options.now ?? Date.now)(), jwtTimes);
  if (token !== undefined) return token;
  throw refusal(raw, context, secrets);
}

/**
 * Why {@linkcode readToken} refused a token response, checked in its order: an `error` member, no
 * `access_token` string, a `token_type` that is not a string, a token that cannot be a header
 * value, a bad `expires_in`, an optional member that is not a string.
 */
function refusal(
  raw: Record<string, unknown>,
  context: string,
  secrets: Secrets | undefined,
): AuthFetchError {
  const oauth = oauthErrorOf(raw, undefined, context, false, secrets);
  if (oauth !== undefined) return oauth;
  const accessToken = raw.access_token;
  if (typeof accessToken !== "string" || accessToken === "") {
    return new TokenResponseError(
      `${context} has no access_token string (got ${describe(accessToken)}): ${
        excerpt(JSON.stringify(raw), 120, secrets)
      }`,
    );
  }
  const tokenType = raw.token_type === undefined ? "Bearer" : raw.token_type;
  if (typeof tokenType !== "string" || tokenType === "") {
    return new TokenResponseError(
      `${context} has a token_type that is not a string (got ${describe(tokenType)})`,
    );
  }
  if (!headerFits(accessToken, tokenType)) {
    return headerTokenError(accessToken, tokenType, context);
  }
  if (Number.isNaN(lifetimeOf(raw.expires_in))) {
    return new TokenResponseError(
      `${context} has an expires_in that is not a non-negative number (got ${
        describe(raw.expires_in)
      })`,
    );
  }
  for (const [key] of OPTIONAL_STRINGS) {
    const value = raw[key];
    if (value !== undefined && value !== null && typeof value !== "string") {
      return new TokenResponseError(
        `${context} has a ${key} that is not a string (got ${describe(value)})`,
      );
    }
  }
  // readToken() refuses nothing else (tests/tokens/token_read_test.ts).
  return new TokenResponseError(`${context} could not be read as a token`);
}

/**
 * Sets `token.expiresAt` from a lifetime in seconds counted from `token.issuedAt`, or, when there is
 * none, from the access token's JWT `exp` (taking its `iat` as the issue time when that is not in the
 * future). A lifetime of 0 is read as "no expiry stated" (as golang/oauth2 does), not "already
 * expired", which would make every call request a new token; an absurd one (1e308) whose expiry is not
 * a finite number is read as unknown too.
 *
 * @param token The token, with `issuedAt` set to when it was received.
 * @param expiresIn The lifetime in seconds, if the response gave one.
 */
export function setExpiry(token: Token, expiresIn: number | undefined): void {
  const { expiresAt, iat } = expiry(
    token.accessToken,
    token.issuedAt ?? Date.now(),
    expiresIn,
    jwtTimes,
  );
  if (expiresAt !== undefined) token.expiresAt = expiresAt;
  if (iat !== undefined) token.issuedAt = iat;
}

/**
 * Checks that a token can be sent as `Authorization: <tokenType> <accessToken>`: the type is an HTTP
 * auth scheme (a `token`), and the access token an RFC 6750 `b64token` for Bearer and DPoP, or visible
 * ASCII without spaces for other schemes. Neither value is quoted in the error.
 *
 * @param accessToken The access token.
 * @param tokenType The token type.
 * @param context What is checked, for the message.
 * @throws {TokenResponseError} When either cannot be a header value.
 */
export function checkHeaderToken(accessToken: string, tokenType: string, context: string): void {
  if (!headerFits(accessToken, tokenType)) throw headerTokenError(accessToken, tokenType, context);
}

/**
 * The error saying why a token cannot be sent as an `Authorization` header (what
 * {@linkcode authorizationHeader} throws for it), for code that found it unfit with `headerValue()`.
 *
 * @param token The token.
 * @returns The error, which does not quote the token.
 */
export function unfitTokenError(
  token: Pick<Token, "accessToken" | "tokenType">,
): TokenResponseError {
  return headerTokenError(token.accessToken, token.tokenType, "the token");
}

/** The error saying why a token cannot be a header value ({@linkcode checkHeaderToken}). */
function headerTokenError(
  accessToken: string,
  tokenType: string,
  context: string,
): TokenResponseError {
  if (!SCHEME.test(tokenType)) {
    return new TokenResponseError(
      `${context} has a token_type that is not an HTTP authentication scheme (${
        flaw(tokenType)
      }); it cannot be sent in an Authorization header`,
    );
  }
  const type = tokenType.toLowerCase();
  const b64 = type === "bearer" || type === "dpop";
  return new TokenResponseError(
    `${context} has an access_token that cannot be sent in an Authorization header (${
      flaw(accessToken)
    }${b64 ? "; RFC 6750 allows letters, digits, - . _ ~ + / and trailing =" : ""})`,
  );
}

/** What makes a value unfit for a header, without quoting it. */
function flaw(value: string): string {
  let control = false, nonAscii = false, space = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) return "it contains a line break";
    if (c < 0x20 || c === 0x7f) control = true;
    else if (c > 0x7f) nonAscii = true;
    else if (c === 0x20) space = true;
  }
  if (control) return "it contains a control character";
  if (nonAscii) return "it contains a non-ASCII character";
  if (space) return "it contains a space";
  if (value.length > 64 && SCHEME.test(value.slice(0, 64))) return "it is too long";
  return "it contains a character that is not allowed there";
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/**
 * Throws an {@linkcode OAuthError} when a parsed response carries an RFC 6749 §5.2 `error`.
 *
 * @param body The parsed body.
 * @param status The HTTP status.
 * @param context What was being done, for the message.
 * @param keepBody Keep the (redacted) body on the error as `OAuthError.body`.
 * @param secrets The secret values of the exchange, scrubbed from the error.
 * @throws {OAuthError} When `body.error` is a non-empty string.
 */
export function throwIfOAuthError(
  body: Record<string, unknown>,
  status: number | undefined,
  context: string,
  keepBody = false,
  secrets?: Secrets,
): void {
  const error = oauthErrorOf(body, status, context, keepBody, secrets);
  if (error !== undefined) throw error;
}

/**
 * The {@linkcode OAuthError} of a parsed response that carries an RFC 6749 §5.2 `error`
 * ({@linkcode throwIfOAuthError} throws it).
 *
 * @param body The parsed body.
 * @param status The HTTP status.
 * @param context What was being done, for the message.
 * @param keepBody Keep the (redacted) body on the error as `OAuthError.body`.
 * @param secrets The secret values of the exchange, scrubbed from the error.
 * @returns The error, or `undefined` when `body.error` is not a non-empty string.
 */
export function oauthErrorOf(
  body: Record<string, unknown>,
  status: number | undefined,
  context: string,
  keepBody = false,
  secrets?: Secrets,
): OAuthError | undefined {
  const error = body.error;
  if (typeof error !== "string" || error === "") return undefined;
  return new OAuthError({
    error,
    errorDescription: typeof body.error_description === "string"
      ? body.error_description
      : undefined,
    errorUri: typeof body.error_uri === "string" ? body.error_uri : undefined,
    status,
    context,
    body: keepBody ? body : undefined,
    secrets,
  });
}

/**
 * The value for an `Authorization` header: `Bearer <token>` (any case of `bearer` is normalised, as
 * RFC 6750 servers expect), or `<tokenType> <token>` for other types such as `DPoP`.
 *
 * @param token The token.
 * @returns The header value.
 * @throws {TokenResponseError} When the token cannot be sent in a header (a line break, a space in a
 * Bearer token…); the error does not quote it.
 * @example
 * ```ts
 * import { authorizationHeader } from "@authfetch/authfetch";
 * console.log(authorizationHeader({ accessToken: "abc", tokenType: "bearer" })); // "Bearer abc"
 * ```
 */
export function authorizationHeader(token: Pick<Token, "accessToken" | "tokenType">): string {
  // A token from a store, existingToken() or a custom grant is checked too: the platform would
  // otherwise throw a TypeError that quotes the whole header, token included.
  const value = headerValue(token);
  if (value === undefined) throw headerTokenError(token.accessToken, token.tokenType, "the token");
  return value;
}
