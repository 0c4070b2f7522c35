/**
 * Which JOSE algorithm (`alg`) a key signs with, when the caller did not say: no jose needed.
 *
 * @module
 */

/**
 * The JOSE algorithm matching a Web Crypto key.
 *
 * @param key A signing key.
 * @returns The `alg`.
 * @throws {TypeError} For keys without an obvious algorithm.
 */
export function algorithmOf(key: CryptoKey): string {
  const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  const bits = algorithm.hash?.name.replace("SHA-", "");
  switch (algorithm.name) {
    case "RSASSA-PKCS1-v1_5":
      return `RS${bits}`;
    case "RSA-PSS":
      return `PS${bits}`;
    case "ECDSA":
      return { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }[algorithm.namedCurve ?? ""] ??
        fail(algorithm.namedCurve);
    case "Ed25519":
    case "EdDSA":
      return "EdDSA";
    case "HMAC":
      return `HS${bits}`;
  }
  return fail(algorithm.name);
}

/**
 * The JOSE algorithm matching a private JWK without an `alg`.
 *
 * @param jwk The key.
 * @returns The `alg`.
 * @throws {TypeError} For key types without an obvious algorithm.
 */
export function algorithmOfJwk(jwk: JsonWebKey): string {
  if (jwk.kty === "RSA") return "RS256";
  if (jwk.kty === "EC") {
    return { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }[jwk.crv ?? ""] ?? fail(jwk.crv);
  }
  if (jwk.kty === "OKP") return "EdDSA";
  return fail(jwk.kty);
}

function fail(what: unknown): never {
  throw new TypeError(`Cannot sign with this key (${what}): pass the algorithm option`);
}
