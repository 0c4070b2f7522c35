/**
 * Reading a JWT's claims without verifying it and without a library: for the hints a client takes
 * from a token it holds (`exp`, `iat`, `sub`), never for a decision that needs a signature.
 *
 * @module
 */

import { decodeBase64url } from "./base64url.ts";

/**
 * The longest compact JWT read, in characters. A token this long cannot travel in an `Authorization`
 * header anyway (servers cap a header line at 8–64 KiB), and the cap keeps decoding cheap whatever a
 * token endpoint sends.
 */
export const MAX_JWT_LENGTH = 64 * 1024;

let utf8: TextDecoder | undefined; // made on first use, not at import

/**
 * The claims of a compact JWS-serialised JWT (`header.payload.signature`), unverified.
 *
 * @param jwt A string that may be a compact JWT.
 * @returns The payload object, or `undefined` when `jwt` is not three dot-separated parts, is longer
 *   than {@linkcode MAX_JWT_LENGTH}, or its payload is not base64url-encoded UTF-8 JSON holding an
 *   object.
 */
export function decodeJwtClaims(jwt: string): Record<string, unknown> | undefined {
  if (typeof jwt !== "string" || jwt.length > MAX_JWT_LENGTH) return undefined;
  const first = jwt.indexOf(".");
  const second = first < 0 ? -1 : jwt.indexOf(".", first + 1);
  if (second < 0 || jwt.indexOf(".", second + 1) >= 0) return undefined;
  const payload = second > first + 1 ? decodeBase64url(jwt.slice(first + 1, second)) : undefined;
  if (payload === undefined) return undefined;
  let claims: unknown;
  try {
    utf8 ??= new TextDecoder("utf-8", { fatal: true });
    claims = JSON.parse(utf8.decode(payload));
  } catch {
    return undefined;
  }
  return claims !== null && typeof claims === "object" && !Array.isArray(claims)
    ? claims as Record<string, unknown>
    : undefined;
}
