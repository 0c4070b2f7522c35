/**
 * OpenID Connect ID token validation (OIDC Core §3.1.3.7): signature against the issuer's JWKS, `iss`,
 * `aud`, `azp`, `exp`, `iat` and `nonce`.
 *
 * @module
 */

import type { JSONWebKeySet, JWTVerifyGetKey } from "jose";
import { IdTokenError } from "../errors.ts";
import { endpointUrl } from "../http.ts";
import { type Jose, loadJose } from "../lazy_jose.ts";
import { type JoseErrors, loadJoseErrors } from "../jose_errors.ts";
import type { Fetch } from "../pipeline.ts";
import { discover } from "./discovery.ts";

/**
 * The claims of a validated ID token (OIDC Core §2); other claims are kept too.
 *
 * @example
 * ```ts
 * import { type IdTokenClaims, validateIdToken } from "@authfetch/authfetch";
 * async function emailOf(idToken: string): Promise<string | undefined> {
 *   const claims: IdTokenClaims = await validateIdToken(idToken, {
 *     issuer: "https://as",
 *     clientId: "web",
 *   });
 *   return typeof claims.email === "string" ? claims.email : undefined;
 * }
 * ```
 */
export interface IdTokenClaims {
  /** The issuer. */
  iss: string;
  /** The subject: the user's stable id at the issuer. */
  sub: string;
  /** The audience(s). */
  aud: string | string[];
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Issue time, seconds since the epoch. */
  iat: number;
  /** The nonce of the authorization request. */
  nonce?: string;
  /** The authorized party. */
  azp?: string;
  /** Other claims (`email`, `name`, …). */
  [claim: string]: unknown;
}

/**
 * Options of {@linkcode validateIdToken}.
 *
 * @example
 * ```ts
 * import { type IdTokenValidationOptions, validateIdToken } from "@authfetch/authfetch";
 * const options: IdTokenValidationOptions = {
 *   issuer: "https://auth.example.com",
 *   clientId: "web",
 *   nonce: "the-nonce-sent",
 *   clockTolerance: 30,
 * };
 * // const claims = await validateIdToken(idToken, options);
 * ```
 */
export interface IdTokenValidationOptions {
  /** The expected issuer (`iss`). */
  issuer: string | URL;
  /** The client id: must be in `aud`, and equal `azp` when present. */
  clientId: string;
  /** The nonce sent in the authorization request; required in the token when given. @default undefined */
  nonce?: string;
  /** The JWKS URL. @default the issuer's `jwks_uri`, by discovery */
  jwksUri?: string | URL;
  /** A JWKS (`{ keys: [...] }`) to verify with instead of fetching one. @default undefined */
  jwks?: { keys: JsonWebKey[] };
  /** Accepted signature algorithms. @default ["RS256", "PS256", "ES256", "ES384", "EdDSA", …] (asymmetric) */
  algorithms?: string[];
  /** Allowed clock skew, seconds. @default 60 */
  clockTolerance?: number;
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
  /** The fetch for discovery and the JWKS. @default globalThis.fetch */
  fetch?: Fetch;
  /** Allow plain `http:` issuers and JWKS URLs that are not loopback. @default false */
  allowInsecureHttp?: boolean;
}

const ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

const remoteSets = new Map<string, JWTVerifyGetKey>();

function remoteSet(
  { createRemoteJWKSet, customFetch }: Jose,
  url: URL,
  fetch?: Fetch,
): JWTVerifyGetKey {
  if (fetch !== undefined) {
    return createRemoteJWKSet(url, {
      [customFetch]: (input: string, init: RequestInit) => fetch(input, init),
    });
  }
  let set = remoteSets.get(url.href);
  if (set === undefined) {
    set = createRemoteJWKSet(url);
    remoteSets.set(url.href, set);
  }
  return set;
}

/**
 * Validates an OpenID Connect ID token: the signature against the issuer's JWKS (fetched with jose
 * `createRemoteJWKSet`, cached and refreshed on an unknown `kid`), `iss`, `aud` containing the client id,
 * `azp` equal to the client id when there are several audiences (or `azp` is present), `exp`, `iat`, `sub`
 * and, when one was sent, `nonce`. Only asymmetric algorithms are accepted by default.
 *
 * @param idToken The compact ID token.
 * @param options Issuer, client id, nonce and where the keys are.
 * @returns The token's claims.
 * @throws {IdTokenError} With code `id_token_error` when any check fails; the message says which.
 * @example
 * ```ts
 * import { validateIdToken } from "@authfetch/authfetch";
 * // const claims = await validateIdToken(token.idToken!, {
 * //   issuer: "https://accounts.example.com",
 * //   clientId: "web",
 * //   nonce: savedNonce,
 * // });
 * // console.log(claims.sub);
 * ```
 */
export async function validateIdToken(
  idToken: string,
  options: IdTokenValidationOptions,
): Promise<IdTokenClaims> {
  const issuer = String(options.issuer);
  const jose = await loadJose();
  let keys: JWTVerifyGetKey | undefined = options.jwks === undefined
    ? undefined
    : jose.createLocalJWKSet(options.jwks as JSONWebKeySet);
  if (keys === undefined) {
    let jwksUri = options.jwksUri;
    if (jwksUri === undefined) {
      const metadata = await discover(options.issuer, {
        fetch: options.fetch,
        allowInsecureHttp: options.allowInsecureHttp,
      });
      if (typeof metadata.jwks_uri !== "string") {
        throw new IdTokenError(
          `Cannot validate the ID token: the issuer ${issuer} advertises no jwks_uri`,
        );
      }
      jwksUri = metadata.jwks_uri;
    }
    keys = remoteSet(
      jose,
      endpointUrl(jwksUri, "jwks_uri", options.allowInsecureHttp),
      options.fetch,
    );
  }
  let payload: IdTokenClaims;
  try {
    ({ payload } = await jose.jwtVerify<IdTokenClaims>(idToken, keys, {
      issuer,
      audience: options.clientId,
      algorithms: options.algorithms ?? ALGORITHMS,
      clockTolerance: options.clockTolerance ?? 60,
      currentDate: new Date((options.now ?? Date.now)()),
      requiredClaims: ["iss", "sub", "aud", "exp", "iat"],
    }));
  } catch (error) {
    throw new IdTokenError(
      `The ID token is not valid: ${why(await loadJoseErrors(), error, issuer)}`,
      {
        cause: error,
      },
    );
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if ((audiences.length > 1 || payload.azp !== undefined) && payload.azp !== options.clientId) {
    throw new IdTokenError(
      `The ID token is not valid: it has several audiences and its azp is ${
        JSON.stringify(payload.azp)
      }, not the client id "${options.clientId}"`,
    );
  }
  if (options.nonce !== undefined && payload.nonce !== options.nonce) {
    throw new IdTokenError(
      payload.nonce === undefined
        ? "The ID token is not valid: it has no nonce, but one was sent"
        : "The ID token is not valid: its nonce does not match the one sent (replayed or injected token)",
    );
  }
  return payload;
}

function why(joseErrors: JoseErrors, error: unknown, issuer: string): string {
  if (error instanceof joseErrors.JWTExpired) return "it has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return `it was issued by another issuer, not ${issuer}`;
    if (error.claim === "aud") return "it was issued for another client";
    if (error.claim === "iat") return "its iat is in the future or invalid";
    return `its ${error.claim} claim ${error.reason === "missing" ? "is missing" : "is invalid"}`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return "its signature does not verify (tampered, or signed with another key)";
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return "no key in the issuer's JWKS matches its header (kid/alg)";
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return "it is signed with an algorithm that is not allowed";
  }
  if (error instanceof joseErrors.JOSEError) return `${error.code}: ${error.message}`;
  return (error as Error)?.message ?? String(error);
}
