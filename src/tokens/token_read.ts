/**
 * The lean half of token parsing, for the path every successful call takes: it builds a
 * {@linkcode Token} from a token response, or the `Authorization` value from a token, and answers
 * `undefined` where the other half (`token.ts`: `tokenFromResponse()`, `authorizationHeader()`) throws.
 * The messages saying what is wrong, and the error classes with their redaction, are loaded only then.
 *
 * The two halves must agree: {@linkcode readToken} accepts a response exactly when `tokenFromResponse()`
 * does, with the same token (`tests/tokens/token_read_test.ts` checks it over a matrix of responses).
 *
 * @module
 */

import type { Token } from "./token.ts";
import type { JwtTimes } from "./jwt_times.ts";

/**
 * The `Authorization` value of each token already found fit for a header: a cached token is checked
 * and its value built once, not on every request.
 */
const HEADERS: WeakMap<object, string> = new WeakMap<object, string>();

/** An HTTP authentication scheme (a `token`, RFC 9110 §5.6.2), at most 64 characters. */
export const SCHEME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;
/** RFC 6750 §2.1 `b64token` (also DPoP's, RFC 9449 §7.1). */
export const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Any other scheme's credential: visible ASCII, no spaces. */
export const VISIBLE = /^[\x21-\x7e]+$/;
/** A lifetime given as a string of digits. */
export const NUMERIC = /^\s*\d+(\.\d+)?\s*$/;

/** The optional string members of a token response and the {@linkcode Token} fields they fill. */
export const OPTIONAL_STRINGS: ReadonlyArray<
  [string, "refreshToken" | "scope" | "idToken" | "issuedTokenType"]
> = [
  ["refresh_token", "refreshToken"],
  ["scope", "scope"],
  ["id_token", "idToken"],
  ["issued_token_type", "issuedTokenType"],
];

/**
 * Whether `<tokenType> <accessToken>` can be an `Authorization` header: the type is an HTTP auth
 * scheme, and the token a `b64token` for Bearer and DPoP, visible ASCII without spaces otherwise.
 *
 * @param accessToken The access token.
 * @param tokenType The token type.
 * @returns `true` when both fit.
 */
export function headerFits(accessToken: string, tokenType: string): boolean {
  if (!SCHEME.test(tokenType)) return false;
  const type = tokenType.toLowerCase();
  return (type === "bearer" || type === "dpop" ? B64TOKEN : VISIBLE).test(accessToken);
}

/**
 * The `Authorization` value of a token (`Bearer` in any case normalised, `DPoP`, or the type as
 * given), or `undefined` when it cannot be a header value (`authorizationHeader()` says why).
 *
 * @param token The token.
 * @returns The header value, or `undefined`.
 */
export function headerValue(token: Pick<Token, "accessToken" | "tokenType">): string | undefined {
  const known = HEADERS.get(token);
  if (known !== undefined) return known;
  if (!headerFits(token.accessToken, token.tokenType)) return undefined;
  const type = token.tokenType.toLowerCase();
  const scheme = type === "bearer" ? "Bearer" : type === "dpop" ? "DPoP" : token.tokenType;
  const value = `${scheme} ${token.accessToken}`;
  HEADERS.set(token, value);
  return value;
}

/**
 * The lifetime of a token response in seconds, `undefined` when none is stated, `NaN` when the
 * member is not a non-negative number.
 *
 * @param value The `expires_in` member.
 * @returns The lifetime.
 */
export function lifetimeOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "string" && NUMERIC.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : NaN;
}

/**
 * A token from a parsed token response (RFC 6749 §5.1), or `undefined` when `tokenFromResponse()`
 * would throw: an `error` member, no `access_token` string, a member of the wrong type, or a token that
 * cannot be sent in a header.
 *
 * @param raw The parsed body.
 * @param now The time it was received, epoch ms.
 * @param readJwt Reads the access token's JWT times (`jwtTimes()` in `jwt_times.ts`), for a response that
 *   states no lifetime; `undefined` only when it states one (`requestToken()` loads the reader with a
 *   response that needs it).
 * @returns The token, or `undefined`.
 */
export function readToken(
  raw: Record<string, unknown>,
  now: number,
  readJwt: JwtTimes | undefined,
): Token | undefined {
  if (typeof raw.error === "string" && raw.error !== "") return undefined;
  const accessToken = raw.access_token;
  if (typeof accessToken !== "string" || accessToken === "") return undefined;
  const tokenType = raw.token_type === undefined ? "Bearer" : raw.token_type;
  if (typeof tokenType !== "string" || !headerFits(accessToken, tokenType)) return undefined;
  const lifetime = lifetimeOf(raw.expires_in);
  if (Number.isNaN(lifetime)) return undefined;
  const times = expiry(accessToken, now, lifetime, readJwt);
  const issuedAt = times.iat ?? now;
  const expiresAt = times.expiresAt;
  // Built with all its fields at once: a property added later would take a separate property array.
  const token: Token = expiresAt === undefined
    ? { accessToken, tokenType, issuedAt, raw }
    : { accessToken, tokenType, issuedAt, raw, expiresAt };
  for (const [key, field] of OPTIONAL_STRINGS) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") return undefined;
    if (value !== "") token[field] = value;
  }
  return token;
}

/**
 * The expiry of a token received at `issuedAt`: from its lifetime in seconds or, without one, from
 * the access token's JWT `exp` (with its `iat` as the issue time when that is not in the future).
 *
 * @param accessToken The access token.
 * @param issuedAt When it was received, epoch ms.
 * @param lifetime Its lifetime in seconds, if stated.
 * @param readJwt Reads a JWT's times; needed when there is no lifetime.
 * @returns The expiry, and the JWT's `iat` when it becomes the issue time.
 */
export function expiry(
  accessToken: string,
  issuedAt: number,
  lifetime: number | undefined,
  readJwt: JwtTimes | undefined,
): { expiresAt?: number; iat?: number } {
  if (lifetime !== undefined) {
    const expiresAt = issuedAt + lifetime * 1000;
    return lifetime > 0 && Number.isFinite(expiresAt) ? { expiresAt } : {};
  }
  const claims = readJwt?.(accessToken) ?? {};
  if (claims.exp === undefined) return {};
  return claims.iat !== undefined && claims.iat <= issuedAt
    ? { expiresAt: claims.exp, iat: claims.iat }
    : { expiresAt: claims.exp };
}

/**
 * The largest share of a token's lifetime spent in the refresh window. DESIGN.md caps the window at half
 * the lifetime; that doubles the token requests for short-lived tokens (a 2 s token would be replaced
 * every second). A tenth keeps a useful lead (6 s for a 60 s token, the full 60 s default for tokens of
 * 10 min and more) while each token serves 90 % of its life.
 *
 * @example
 * ```ts
 * import { MAX_REFRESH_SHARE, refreshAt } from "@authfetch/authfetch";
 * // A 60 s token is refreshed at most 6 s (a tenth of its life) before it expires.
 * const token = { accessToken: "a", tokenType: "Bearer", issuedAt: 0, expiresAt: 60_000 };
 * console.log(MAX_REFRESH_SHARE, refreshAt(token, 60_000)); // 0.1 54000
 * ```
 */
export const MAX_REFRESH_SHARE = 0.1;

/**
 * When a token should be refreshed ahead of expiry: `refreshBefore` before `expiresAt`, but never more
 * than a tenth of the token's lifetime ({@linkcode MAX_REFRESH_SHARE}, measured from `issuedAt`) ahead,
 * so a short-lived token is not considered stale as soon as it arrives.
 *
 * @param token The token.
 * @param refreshBefore The wanted lead time, ms.
 * @returns Epoch ms at which to refresh, or `undefined` when the expiry is unknown.
 * @example
 * ```ts
 * import { refreshAt } from "@authfetch/authfetch";
 * // a 60 s token with the default 60 s lead is refreshed after 54 s
 * console.log(refreshAt({ accessToken: "a", tokenType: "Bearer", issuedAt: 0, expiresAt: 60_000 }, 60_000)); // 54000
 * ```
 */
export function refreshAt(token: Token, refreshBefore: number): number | undefined {
  if (token.expiresAt === undefined) return undefined;
  const lifetime = token.issuedAt === undefined
    ? Infinity
    : Math.max(0, token.expiresAt - token.issuedAt);
  return token.expiresAt - Math.min(refreshBefore, lifetime * MAX_REFRESH_SHARE);
}
