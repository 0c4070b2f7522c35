/**
 * Client authentication at the token, revocation and introspection endpoints: `client_secret_basic`,
 * `client_secret_post`, `client_secret_jwt`, `private_key_jwt` and `none`.
 *
 * @module
 */

import { importJWK, type JWK, SignJWT } from "jose";

/**
 * How the client authenticates to the authorization server (RFC 6749 §2.3, OIDC Core §9).
 *
 * @example
 * ```ts
 * import { type ClientAuthMethod, clientCredentials } from "@authfetch/authfetch";
 * const clientAuth: ClientAuthMethod = "client_secret_post";
 * const grant = clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-service",
 *   clientSecret: "s3cret",
 *   clientAuth,
 * });
 * ```
 */
export type ClientAuthMethod =
  | "client_secret_basic"
  | "client_secret_post"
  | "client_secret_jwt"
  | "private_key_jwt"
  | "none";

/**
 * The client's identity and credentials.
 *
 * @example
 * ```ts
 * import { clientCredentials, type ClientCredentialsOptions } from "@authfetch/authfetch";
 * const algorithm = { name: "ECDSA", namedCurve: "P-256" };
 * const { privateKey } = await crypto.subtle.generateKey(algorithm, false, ["sign", "verify"]);
 * const client: ClientCredentialsOptions = { clientId: "my-service", privateKey };
 * const grant = clientCredentials({ ...client, tokenUrl: "https://auth.example.com/oauth/token" });
 * ```
 */
export interface ClientCredentialsOptions {
  /** The client id. @default undefined */
  clientId?: string;
  /** The client secret, for `client_secret_basic`, `client_secret_post` and `client_secret_jwt`. @default undefined */
  clientSecret?: string;
  /**
   * The authentication method. @default "client_secret_basic" with a secret, "private_key_jwt" with a
   * private key, else "none"
   */
  clientAuth?: ClientAuthMethod;
  /** The private key for `private_key_jwt`: a `CryptoKey` or a private JWK. @default undefined */
  privateKey?: CryptoKey | JsonWebKey;
  /** `kid` put in the client assertion's header. @default the JWK's `kid` */
  keyId?: string;
  /** The client assertion's algorithm. @default the JWK's `alg`, else derived from the key */
  algorithm?: string;
  /** `aud` of client assertions. @default the issuer when known, else the endpoint URL */
  assertionAudience?: string;
}

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * The client authentication method used for `options`.
 *
 * @param options The client options.
 * @returns The method.
 */
export function clientAuthMethod(options: ClientCredentialsOptions): ClientAuthMethod {
  if (options.clientAuth) return options.clientAuth;
  if (options.clientSecret !== undefined) return "client_secret_basic";
  if (options.privateKey !== undefined) return "private_key_jwt";
  return "none";
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined for HTTP Basic. */
function formEncode(value: string): string {
  return new URLSearchParams([["", value]]).toString().slice(1);
}

/**
 * Adds client authentication to a request's body and headers.
 *
 * @param options The client's credentials.
 * @param body The form body.
 * @param headers The request headers.
 * @param audience The `aud` for JWT client assertions (issuer or endpoint).
 * @param now The clock, epoch ms.
 * @throws {TypeError} When the method needs a credential that was not given.
 */
export async function applyClientAuth(
  options: ClientCredentialsOptions,
  body: URLSearchParams,
  headers: Headers,
  audience: string,
  now: number,
): Promise<void> {
  const method = clientAuthMethod(options);
  const { clientId, clientSecret } = options;
  const need = (what: string) => {
    throw new TypeError(`Cannot authenticate the client with ${method}: ${what} is missing`);
  };
  switch (method) {
    case "none":
      if (clientId !== undefined) body.set("client_id", clientId);
      return;
    case "client_secret_basic":
      if (clientId === undefined) need("clientId");
      if (clientSecret === undefined) need("clientSecret");
      headers.set(
        "authorization",
        `Basic ${btoa(`${formEncode(clientId!)}:${formEncode(clientSecret!)}`)}`,
      );
      return;
    case "client_secret_post":
      if (clientId === undefined) need("clientId");
      if (clientSecret === undefined) need("clientSecret");
      body.set("client_id", clientId!);
      body.set("client_secret", clientSecret!);
      return;
    case "client_secret_jwt": {
      if (clientId === undefined) need("clientId");
      if (clientSecret === undefined) need("clientSecret");
      const alg = options.algorithm ?? "HS256";
      const jwt = await assertion(clientId!, audience, now)
        .setProtectedHeader({ alg })
        .sign(new TextEncoder().encode(clientSecret!));
      body.set("client_id", clientId!);
      body.set("client_assertion_type", ASSERTION_TYPE);
      body.set("client_assertion", jwt);
      return;
    }
    case "private_key_jwt": {
      if (clientId === undefined) need("clientId");
      if (options.privateKey === undefined) need("privateKey");
      const { key, alg, kid } = await signingKey(options);
      const header: { alg: string; kid?: string } = { alg };
      if (kid !== undefined) header.kid = kid;
      const jwt = await assertion(clientId!, audience, now).setProtectedHeader(header).sign(key);
      body.set("client_id", clientId!);
      body.set("client_assertion_type", ASSERTION_TYPE);
      body.set("client_assertion", jwt);
      return;
    }
    default:
      throw new TypeError(`Cannot authenticate the client: unknown clientAuth "${method}"`);
  }
}

function assertion(clientId: string, audience: string, now: number): SignJWT {
  const iat = Math.floor(now / 1000);
  return new SignJWT({})
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60);
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
    imported = { alg, key: importJWK(jwk, alg) };
    importedKeys.set(jwk, imported);
  }
  return { key: await imported.key, alg, kid: options.keyId ?? jwk.kid };
}

/** JWKs imported once, not for every request. */
const importedKeys = new WeakMap<object, { alg: string; key: Promise<CryptoKey | Uint8Array> }>();

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== "undefined" && value instanceof CryptoKey;
}

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

function algorithmOfJwk(jwk: JWK): string {
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
