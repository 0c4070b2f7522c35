/**
 * DPoP, sender-constrained tokens (RFC 9449): a key pair, proofs for token and resource requests, and
 * server nonces remembered per origin.
 *
 * @module
 */

import type { JWK } from "jose";
import { encodeBase64url } from "../base64url.ts";
import { loadJose } from "../lazy_jose.ts";
import type { Next } from "../pipeline.ts";
import { replay } from "../replay.ts";
import { algorithmOf } from "./key_algorithm.ts";
import { parseWwwAuthenticate } from "../handlers/www_authenticate.ts";

/**
 * Options of {@linkcode dpopKey}.
 *
 * @example
 * ```ts
 * import { dpopKey, type DPoPKeyOptions } from "@authfetch/authfetch";
 * const options: DPoPKeyOptions = { algorithm: "ES256" };
 * const key = await dpopKey(options);
 * console.log(key.algorithm); // "ES256"
 * ```
 */
export interface DPoPKeyOptions {
  /**
   * A key pair to use (its private key may be non-extractable). @default a new non-extractable pair for
   * `algorithm`
   */
  keyPair?: CryptoKeyPair;
  /** The algorithm of a generated key, or of `keyPair` when it cannot be derived. @default "ES256" */
  algorithm?: string;
  /** The clock for `iat`, epoch ms. @default Date.now */
  now?: () => number;
}

/**
 * What {@linkcode DPoPKey.proof} puts in a proof besides `htm`, `htu`, `iat` and `jti`.
 *
 * @example
 * ```ts
 * import { dpopKey, type DPoPProofOptions } from "@authfetch/authfetch";
 * const key = await dpopKey();
 * const options: DPoPProofOptions = { accessToken: "abc", nonce: "server-nonce" };
 * const proof = await key.proof("GET", "https://api.example.com/orders", options);
 * console.log(proof.split(".").length); // 3
 * ```
 */
export interface DPoPProofOptions {
  /** The access token the request carries; its hash goes in `ath`. @default undefined (token requests) */
  accessToken?: string;
  /** The server nonce. @default the nonce remembered for the URL's origin */
  nonce?: string;
}

/**
 * Creates a DPoP key: a new ES256 key pair whose private key cannot be exported, or the pair given.
 * Pass it as the `dpop` option of a grant (proofs on token requests, tokens bound to its thumbprint)
 * and of `auth()` (proofs on resource requests).
 *
 * @param options A key pair or algorithm, and the clock.
 * @returns The key.
 * @throws {TypeError} When the algorithm of a given key pair cannot be determined.
 * @example
 * ```ts
 * import { auth, clientCredentials, createFetch, dpopKey, tokenSource } from "@authfetch/authfetch";
 * const dpop = await dpopKey();
 * const tokens = tokenSource(clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "svc",
 *   clientSecret: "s3cret",
 *   dpop,
 * }));
 * const api = createFetch([auth(tokens, { dpop })]);
 * ```
 */
export async function dpopKey(options: DPoPKeyOptions = {}): Promise<DPoPKey> {
  const { calculateJwkThumbprint, exportJWK, generateKeyPair } = await loadJose();
  let pair = options.keyPair;
  let algorithm = options.algorithm;
  if (pair === undefined) {
    algorithm ??= "ES256";
    pair = await generateKeyPair(algorithm, { extractable: false });
  } else {
    algorithm ??= algorithmOf(pair.privateKey);
  }
  const { kty, crv, x, y, n, e } = await exportJWK(pair.publicKey);
  const jwk: JWK = Object.fromEntries(
    Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined),
  );
  return new DPoPKey(
    pair.privateKey,
    jwk,
    algorithm,
    await calculateJwkThumbprint(jwk),
    options.now,
  );
}

/**
 * A DPoP key pair with the server nonces it was given. Create it with {@linkcode dpopKey}.
 *
 * @example
 * ```ts
 * import { dpopKey } from "@authfetch/authfetch";
 * const key = await dpopKey();
 * const proof = await key.proof("GET", "https://api.example.com/v1/things?page=2", { accessToken: "abc" });
 * console.log(key.thumbprint.length, proof.split(".").length); // 43 3
 * ```
 */
export class DPoPKey {
  /** The RFC 7638 JWK SHA-256 thumbprint of the public key: the `jkt` tokens are bound to. */
  readonly thumbprint: string;
  /** The signing algorithm, such as `ES256`. */
  readonly algorithm: string;
  #privateKey: CryptoKey;
  #jwk: JWK;
  #now: () => number;
  #nonces = new Map<string, string>();

  /**
   * Wraps a key pair; use {@linkcode dpopKey} instead.
   *
   * @param privateKey The signing key.
   * @param publicJwk The public key as a JWK (public members only).
   * @param algorithm The JOSE algorithm.
   * @param thumbprint The public key's thumbprint.
   * @param now The clock, epoch ms.
   */
  constructor(
    privateKey: CryptoKey,
    publicJwk: JsonWebKey,
    algorithm: string,
    thumbprint: string,
    now: () => number = Date.now,
  ) {
    this.#privateKey = privateKey;
    this.#jwk = publicJwk as JWK;
    this.algorithm = algorithm;
    this.thumbprint = thumbprint;
    this.#now = now;
  }

  /**
   * The public key as a JWK.
   *
   * @returns A copy of the public members.
   */
  publicJwk(): JsonWebKey {
    return { ...this.#jwk } as JsonWebKey;
  }

  /**
   * The server nonce remembered for a URL's origin.
   *
   * @param url Any URL on the server.
   * @returns The nonce, or `undefined`.
   */
  nonce(url: string | URL): string | undefined {
    return this.#nonces.get(new URL(url).origin);
  }

  /**
   * Creates a proof JWT (`typ: dpop+jwt`, the public `jwk` in the header) for one request: `htm`, `htu`
   * without query and fragment, `iat`, a unique `jti`, `ath` when an access token is given, and the
   * server's `nonce`.
   *
   * @param method The HTTP method.
   * @param url The request URL.
   * @param options The access token and nonce.
   * @returns The compact JWT for the `DPoP` header.
   */
  async proof(
    method: string,
    url: string | URL,
    options: DPoPProofOptions = {},
  ): Promise<string> {
    const target = new URL(url);
    const claims: Record<string, unknown> = {
      htm: method.toUpperCase(),
      htu: `${target.origin}${target.pathname}`,
    };
    if (options.accessToken !== undefined) {
      const digest = await crypto.subtle.digest(
        "SHA-256",
        new TextEncoder().encode(options.accessToken),
      );
      claims.ath = encodeBase64url(new Uint8Array(digest));
    }
    const nonce = options.nonce ?? this.#nonces.get(target.origin);
    if (nonce !== undefined) claims.nonce = nonce;
    const { SignJWT } = await loadJose();
    return await new SignJWT(claims)
      .setProtectedHeader({ alg: this.algorithm, typ: "dpop+jwt", jwk: this.#jwk })
      .setJti(crypto.randomUUID())
      .setIssuedAt(Math.floor(this.#now() / 1000))
      .sign(this.#privateKey);
  }

  /**
   * Remembers a `DPoP-Nonce` the response carries and tells whether the response asks for a retry with
   * it: a token endpoint's 400 `use_dpop_nonce` error, or a resource server's 401 with
   * `WWW-Authenticate: DPoP error="use_dpop_nonce"`. The response body is not consumed.
   *
   * @param url The request URL.
   * @param response The response.
   * @returns Whether to retry the request once with the new nonce.
   */
  async observe(url: string | URL, response: Response): Promise<boolean> {
    const nonce = response.headers.get("dpop-nonce");
    if (nonce === null) return false;
    this.#nonces.set(new URL(url).origin, nonce);
    if (response.status === 401) {
      return parseWwwAuthenticate(response.headers.get("www-authenticate")).some((c) =>
        c.scheme.toLowerCase() === "dpop" && c.params.error === "use_dpop_nonce"
      );
    }
    if (response.status !== 400) return false;
    try {
      const body = await response.clone().json();
      return body?.error === "use_dpop_nonce";
    } catch {
      return false;
    }
  }

  /**
   * Sends a resource request that carries `Authorization: DPoP <accessToken>` with a fresh proof
   * (including `ath`), and retries it once, with a new proof, when the server asks for a nonce.
   *
   * @param request The request, already carrying the `Authorization` header.
   * @param next The rest of the pipeline.
   * @param accessToken The access token sent.
   * @returns The response.
   */
  async send(request: Request, next: Next, accessToken: string): Promise<Response> {
    request.headers.set("dpop", await this.proof(request.method, request.url, { accessToken }));
    const response = await next(request);
    if (!(await this.observe(request.url, response))) return response;
    const spare = replay(request);
    if (spare === undefined) return response;
    await response.body?.cancel();
    spare.headers.set("dpop", await this.proof(spare.method, spare.url, { accessToken }));
    return next(spare);
  }
}
