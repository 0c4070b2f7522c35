/**
 * PKCE (RFC 7636): code verifiers and S256 code challenges.
 *
 * @module
 */

import { encodeBase64url } from "../base64url.ts";

/**
 * `n` cryptographically random bytes, base64url-encoded without padding.
 *
 * @param n The number of random bytes.
 * @returns The encoded string (⌈4n/3⌉ characters).
 */
export function randomToken(n = 32): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(n)));
}

/**
 * A new PKCE code verifier: 32 random bytes, base64url-encoded, so 43 characters from the unreserved
 * set with 256 bits of entropy (RFC 7636 §4.1, §7.1). Keep it secret until the code exchange.
 *
 * @returns The code verifier.
 * @example
 * ```ts
 * import { generateCodeVerifier } from "@authfetch/authfetch";
 * console.log(generateCodeVerifier().length); // 43
 * ```
 */
export function generateCodeVerifier(): string {
  return randomToken(32);
}

/**
 * The S256 code challenge of a code verifier: `BASE64URL(SHA-256(ASCII(verifier)))` (RFC 7636 §4.2).
 *
 * @param codeVerifier The code verifier (43 to 128 unreserved characters).
 * @returns The code challenge.
 * @throws {RangeError} When the verifier is not 43–128 characters of `[A-Za-z0-9-._~]`.
 * @example
 * ```ts
 * import { codeChallengeS256 } from "@authfetch/authfetch";
 * // The RFC 7636 Appendix B example:
 * const challenge = await codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
 * console.log(challenge); // "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
 * ```
 */
export async function codeChallengeS256(codeVerifier: string): Promise<string> {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(codeVerifier)) {
    throw new RangeError(
      "Cannot compute a PKCE challenge: the code verifier must be 43-128 characters of " +
        `[A-Za-z0-9-._~], current length is ${codeVerifier.length}`,
    );
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(codeVerifier));
  return encodeBase64url(new Uint8Array(digest));
}
