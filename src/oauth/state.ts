/**
 * The OAuth `state` parameter: random states compared in constant time, and signed, expiring states
 * (a compact HS256 JWT made with jose) that a server can verify without having stored them.
 *
 * @module
 */

import { StateError } from "../errors.ts";
import { loadJose } from "../lazy_jose.ts";
import { type JoseErrors, loadJoseErrors } from "../jose_errors.ts";
import { algorithmOf } from "./key_algorithm.ts";
import { randomToken } from "./pkce.ts";

/**
 * A key for signed states: a secret (≥ 32 bytes), an HMAC `CryptoKey`, or an asymmetric key pair.
 *
 * @example
 * ```ts
 * import { signState, type StateKey } from "@authfetch/authfetch";
 * const key: StateKey = crypto.getRandomValues(new Uint8Array(32));
 * const state = await signState({ key, clientId: "web", issuer: "https://auth.example.com" });
 * ```
 */
export type StateKey = string | Uint8Array | CryptoKey | CryptoKeyPair;

/**
 * Options of {@linkcode signState} and {@linkcode verifyState}.
 *
 * @example
 * ```ts
 * import { type SignedStateOptions, signState, verifyState } from "@authfetch/authfetch";
 * const options: SignedStateOptions = {
 *   key: "0123456789abcdef0123456789abcdef",
 *   clientId: "web",
 *   issuer: "https://auth.example.com",
 *   maxAge: 300_000,
 * };
 * await verifyState(await signState(options), options);
 * ```
 */
export interface SignedStateOptions {
  /** The signing key: a secret string or bytes (at least 32 bytes), an HMAC `CryptoKey`, or a key pair. */
  key: StateKey;
  /** The client the state belongs to; becomes `aud`. */
  clientId: string;
  /** The issuer (or authorization endpoint) the state is sent to; becomes `iss`. */
  issuer: string;
  /** How long a state stays valid, ms. @default 600000 (10 minutes) */
  maxAge?: number;
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
}

/**
 * What a verified signed state carried.
 *
 * @example
 * ```ts
 * import { signState, type StatePayload, verifyState } from "@authfetch/authfetch";
 * const options = {
 *   key: "0123456789abcdef0123456789abcdef",
 *   clientId: "web",
 *   issuer: "https://as",
 * };
 * const payload: StatePayload = await verifyState(await signState(options), options);
 * console.log(payload.expiresAt > Date.now()); // true
 * ```
 */
export interface StatePayload {
  /** The random nonce (`jti`) that makes each state unique. */
  nonce: string;
  /** Expiry, epoch ms. */
  expiresAt: number;
}

/**
 * A new random state: 32 random bytes, base64url-encoded (43 characters).
 *
 * @returns The state.
 * @example
 * ```ts
 * import { randomState } from "@authfetch/authfetch";
 * console.log(randomState().length); // 43
 * ```
 */
export function randomState(): string {
  return randomToken(32);
}

/**
 * Compares two strings in time that depends only on their lengths, not on where they differ.
 *
 * @param a One string.
 * @param b The other.
 * @returns Whether they are equal.
 * @example
 * ```ts
 * import { timingSafeEqual } from "@authfetch/authfetch";
 * console.log(timingSafeEqual("abc", "abc"), timingSafeEqual("abc", "abd")); // true false
 * ```
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

interface Keys {
  sign: CryptoKey | Uint8Array;
  verify: CryptoKey | Uint8Array;
  alg: string;
}

const keyCache = new WeakMap<object, Keys>();
const secretCache = new Map<string, Keys>();

function isKeyPair(key: StateKey): key is CryptoKeyPair {
  return typeof key === "object" && "privateKey" in key && "publicKey" in key;
}

/**
 * The signing and verification keys and algorithm for a state key.
 *
 * @param key The state key.
 * @returns Keys and `alg`.
 * @throws {TypeError} When the key cannot both sign and verify.
 * @throws {RangeError} When a secret is shorter than 32 bytes.
 */
function keysOf(key: StateKey): Keys {
  if (typeof key === "string") {
    let keys = secretCache.get(key);
    if (keys === undefined) {
      const bytes = new TextEncoder().encode(key);
      checkSecret(bytes);
      keys = { sign: bytes, verify: bytes, alg: "HS256" };
      if (secretCache.size > 100) secretCache.clear();
      secretCache.set(key, keys);
    }
    return keys;
  }
  let keys = keyCache.get(key);
  if (keys !== undefined) return keys;
  if (key instanceof Uint8Array) {
    checkSecret(key);
    keys = { sign: key, verify: key, alg: "HS256" };
  } else if (isKeyPair(key)) {
    keys = { sign: key.privateKey, verify: key.publicKey, alg: algorithmOf(key.privateKey) };
  } else {
    if (key.type !== "secret") {
      throw new TypeError(
        `Cannot use this stateKey: a ${key.type} CryptoKey cannot both sign and verify; ` +
          "pass an HMAC key, a secret, or a { privateKey, publicKey } pair",
      );
    }
    keys = { sign: key, verify: key, alg: algorithmOf(key) };
  }
  keyCache.set(key, keys);
  return keys;
}

function checkSecret(bytes: Uint8Array): void {
  if (bytes.length < 32) {
    throw new RangeError(
      `Cannot sign states: the stateKey secret must be at least 32 bytes, current length is ${bytes.length}`,
    );
  }
}

function checkMaxAge(maxAge: number): number {
  if (typeof maxAge !== "number" || !(maxAge > 0) || !Number.isFinite(maxAge)) {
    throw new RangeError(`Cannot sign states: maxAge must be > 0 ms, current value is ${maxAge}`);
  }
  return maxAge;
}

/**
 * Checks a state key up front, so that a bad one fails when the flow is configured, not on first use.
 *
 * @param key The state key.
 * @throws {TypeError} When the key cannot both sign and verify.
 * @throws {RangeError} When a secret is shorter than 32 bytes.
 */
export function checkStateKey(key: StateKey): void {
  keysOf(key);
}

/**
 * Makes a signed state: a compact JWT (HS256 for secrets, else the key's algorithm) with `iss`, `aud`
 * (the client id), `iat`, `exp` and a random `jti` nonce. It proves, when it comes back, that this
 * server started the login for this client and issuer, recently.
 *
 * @param options Key, client, issuer and lifetime.
 * @returns The state.
 * @throws {RangeError} When the key is too short or `maxAge` is not positive.
 * @example
 * ```ts
 * import { signState, verifyState } from "@authfetch/authfetch";
 * const options = {
 *   key: "a-secret-of-at-least-32-bytes-long!!",
 *   clientId: "web",
 *   issuer: "https://auth.example.com",
 * };
 * const state = await signState(options);
 * const { nonce } = await verifyState(state, options);
 * ```
 */
export async function signState(options: SignedStateOptions): Promise<string> {
  const { sign, alg } = keysOf(options.key);
  const now = (options.now ?? Date.now)();
  const maxAge = checkMaxAge(options.maxAge ?? 600_000);
  const { SignJWT } = await loadJose();
  return await new SignJWT({})
    .setProtectedHeader({ alg, typ: "oauth-state+jwt" })
    .setIssuer(options.issuer)
    .setAudience(options.clientId)
    .setJti(randomToken(16))
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor((now + maxAge) / 1000))
    .sign(sign);
}

/**
 * Verifies a signed state made by {@linkcode signState}: signature, algorithm, `iss`, `aud`, expiry.
 *
 * @param state The state from the authorization response.
 * @param options The same key, client and issuer it was made with.
 * @returns The state's nonce and expiry.
 * @throws {StateError} When the state is forged, malformed, expired, or for another client or issuer.
 * @example
 * ```ts
 * import { signState, StateError, verifyState } from "@authfetch/authfetch";
 * const options = { key: "a-secret-of-at-least-32-bytes-long!!", clientId: "web", issuer: "https://a.example" };
 * try {
 *   await verifyState("forged", options);
 * } catch (e) {
 *   console.log(e instanceof StateError); // true
 * }
 * ```
 */
export async function verifyState(
  state: string,
  options: SignedStateOptions,
): Promise<StatePayload> {
  const { verify, alg } = keysOf(options.key);
  const now = (options.now ?? Date.now)();
  const jose = await loadJose();
  try {
    const { payload } = await jose.jwtVerify(state, verify, {
      algorithms: [alg],
      issuer: options.issuer,
      audience: options.clientId,
      typ: "oauth-state+jwt",
      currentDate: new Date(now),
      requiredClaims: ["exp", "jti"],
    });
    return { nonce: payload.jti!, expiresAt: payload.exp! * 1000 };
  } catch (error) {
    throw new StateError(
      `The authorization response's state is not valid: ${why(await loadJoseErrors(), error)}`,
      {
        cause: error,
      },
    );
  }
}

function why(joseErrors: JoseErrors, error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) {
    return "it has expired (the login took too long or the response was replayed); start again";
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return "it was made for another client";
    if (error.claim === "iss") return "it was made for another issuer";
    return `its ${error.claim} claim does not check out`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return "its signature does not verify (forged, or signed with another key)";
  }
  return "it is not a state this server signed (malformed or wrong algorithm)";
}
