/**
 * JWT client assertions (RFC 7523 §2.2: `client_secret_jwt`, `private_key_jwt`) and the signing keys
 * they use. Loaded by `applyClientAuth()` with `import()` only for clients that sign, and it
 * loads jose only when it signs.
 *
 * @module
 */

import type { JWK } from "jose";
import { type ClientCredentialsOptions, missingCredential } from "./client_auth.ts";
import { loadJose } from "../lazy_jose.ts";
import { algorithmOf, algorithmOfJwk } from "./key_algorithm.ts";

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * Adds a JWT client assertion (RFC 7523 §2.2) to a request's body: `client_id`,
 * `client_assertion_type` and a new `client_assertion`.
 *
 * @param method Which of the two JWT methods.
 * @param options The client's id and secret or private key, and the issuer.
 * @param body The form body.
 * @param url The endpoint: the assertion's audience unless `assertionAudience` or an issuer is given.
 * @param now The clock, epoch ms.
 * @throws {TypeError} When a credential the method needs is missing, or the key's algorithm cannot be
 *   determined.
 */
export async function assertClient(
  method: "client_secret_jwt" | "private_key_jwt",
  options: ClientCredentialsOptions & { issuer?: string | URL },
  body: URLSearchParams,
  url: URL,
  now: number,
): Promise<void> {
  const clientId = options.clientId;
  if (clientId === undefined) missingCredential(method, "clientId");
  if (method === "client_secret_jwt" && options.clientSecret === undefined) {
    missingCredential(method, "clientSecret");
  }
  if (method === "private_key_jwt" && options.privateKey === undefined) {
    missingCredential(method, "privateKey");
  }
  const audience = options.assertionAudience ??
    (options.issuer !== undefined ? issuerId(options.issuer) : url.href);
  body.set("client_id", clientId);
  body.set("client_assertion_type", ASSERTION_TYPE);
  body.set("client_assertion", await signClientAssertion(method, options, audience, now));
}

/**
 * The issuer identifier as a string: a `URL` object's href gains a "/" after a bare origin, which
 * issuers (`https://as.example`) do not have.
 */
function issuerId(issuer: string | URL): string {
  if (typeof issuer === "string") return issuer;
  return issuer.pathname === "/" && !issuer.search ? issuer.href.slice(0, -1) : issuer.href;
}

/**
 * Signs a client assertion: `iss` and `sub` the client id, `aud`, a random `jti`, `iat`, and `exp` a
 * minute later; HS256 (or `algorithm`) with the client secret, or the private key's algorithm.
 *
 * @param method Which of the two JWT methods.
 * @param options The client's id and secret or private key (checked by the caller).
 * @param audience The `aud`: the issuer or the endpoint URL.
 * @param now The clock, epoch ms.
 * @returns The compact JWT.
 * @throws {TypeError} When the key's algorithm cannot be determined.
 */
export async function signClientAssertion(
  method: "client_secret_jwt" | "private_key_jwt",
  options: ClientCredentialsOptions,
  audience: string,
  now: number,
): Promise<string> {
  const { SignJWT } = await loadJose();
  const clientId = options.clientId!;
  const iat = Math.floor(now / 1000);
  const jwt = new SignJWT({})
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60);
  if (method === "client_secret_jwt") {
    return await jwt.setProtectedHeader({ alg: options.algorithm ?? "HS256" })
      .sign(new TextEncoder().encode(options.clientSecret!));
  }
  const { key, alg, kid } = await signingKey(options);
  return await jwt.setProtectedHeader(kid === undefined ? { alg } : { alg, kid }).sign(key);
}

/**
 * The key, algorithm and key id for signing with `options.privateKey`.
 *
 * @param options `privateKey`, `algorithm`, `keyId`.
 * @returns What jose needs to sign.
 * @throws {TypeError} When the algorithm cannot be determined.
 */
export async function signingKey(
  options: Pick<ClientCredentialsOptions, "privateKey" | "algorithm" | "keyId">,
): Promise<{ key: CryptoKey | Uint8Array; alg: string; kid?: string }> {
  const given = options.privateKey!;
  if (isCryptoKey(given)) {
    const alg = options.algorithm ?? algorithmOf(given);
    return { key: given, alg, kid: options.keyId };
  }
  const jwk = given as JWK;
  if (jwk.d === undefined && jwk.kty !== "oct") {
    throw new TypeError(
      'Cannot sign with privateKey: it is a public JWK (no "d" member); pass the private key',
    );
  }
  const alg = options.algorithm ?? jwk.alg ?? algorithmOfJwk(jwk);
  let imported = importedKeys.get(jwk);
  if (imported === undefined || imported.alg !== alg) {
    imported = { alg, key: loadJose().then((jose) => jose.importJWK(jwk, alg)) };
    importedKeys.set(jwk, imported);
  }
  return { key: await imported.key, alg, kid: options.keyId ?? jwk.kid };
}

/** JWKs imported once, not for every request. */
const importedKeys = new WeakMap<object, { alg: string; key: Promise<CryptoKey | Uint8Array> }>();

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== "undefined" && value instanceof CryptoKey;
}
