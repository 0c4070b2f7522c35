/**
 * Base64url (RFC 4648 §5) without a library: what PKCE verifiers, DPoP `ath` and reading a JWT's
 * claims need.
 *
 * @module
 */

/**
 * Encodes bytes as base64url without padding.
 *
 * @param bytes The bytes.
 * @returns The encoded string.
 */
export function encodeBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/**
 * Decodes base64url: the URL-safe alphabet only, padding allowed only where it belongs (so `"YQ"` and
 * `"YQ=="` both decode, `"Y"`, `"YQ="`, `"Y+Q"` and whitespace do not).
 *
 * @param text The encoded string.
 * @returns The bytes, or `undefined` when `text` is not base64url.
 */
export function decodeBase64url(text: string): Uint8Array | undefined {
  let end = text.length;
  if (end % 4 === 0) {
    if (text.charCodeAt(end - 1) === 61 /* = */) end--;
    if (text.charCodeAt(end - 1) === 61) end--;
  }
  const body = end === text.length ? text : text.slice(0, end);
  if (body.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(body)) return undefined;
  const binary = atob(body.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
