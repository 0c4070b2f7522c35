/**
 * Reading `exp` and `iat` from a JWT access token without verifying it: how a token response that
 * states no lifetime (`expires_in`) gets its expiry. It is not on the path of a token response that
 * states one, so `requestToken()` loads it (through `lazy.ts`) with the first response that needs it.
 *
 * @module
 */

import { decodeJwtClaims } from "../jwt_claims.ts";

/** What {@linkcode jwtTimes} does: a JWT's `exp` and `iat`, as epoch ms. */
export type JwtTimes = (jwt: string) => { exp?: number; iat?: number };

/**
 * Reads `exp` and `iat` (as epoch ms) from a JWT without verifying it (and without jose); empty for
 * anything that is not a JWT whose payload is a JSON object, and for tokens over 64 KiB.
 *
 * @param jwt A string that may be a compact JWT.
 * @returns The times found.
 * @example
 * ```ts
 * import { jwtTimes } from "@authfetch/authfetch";
 * console.log(jwtTimes("not-a-jwt")); // {}
 * ```
 */
export function jwtTimes(jwt: string): { exp?: number; iat?: number } {
  const claims = decodeJwtClaims(jwt);
  const out: { exp?: number; iat?: number } = {};
  if (claims === undefined) return out;
  if (typeof claims.exp === "number" && Number.isFinite(claims.exp * 1000)) {
    out.exp = claims.exp * 1000;
  }
  if (typeof claims.iat === "number" && Number.isFinite(claims.iat * 1000)) {
    out.iat = claims.iat * 1000;
  }
  return out;
}
