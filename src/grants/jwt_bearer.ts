/**
 * The JWT bearer grant (RFC 7523 §2.1).
 *
 * @module
 */

import { decodeJwtClaims } from "../jwt_claims.ts";
import { loadJose } from "../lazy_jose.ts";
import type { Grant, GrantRequestOptions } from "../tokens/source.ts";
import type { Token } from "../tokens/token.ts";
import {
  type GrantOptions,
  requestToken,
  resolveEndpoint,
  scopeString,
  withGrantKeys,
} from "../oauth/token_request.ts";

const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/**
 * How {@linkcode jwtBearer} signs a new assertion for each token request.
 *
 * @example
 * ```ts
 * import { type JwtAssertionOptions, jwtBearer } from "@authfetch/authfetch";
 * const algorithm = { name: "ECDSA", namedCurve: "P-256" };
 * const { privateKey } = await crypto.subtle.generateKey(algorithm, false, ["sign", "verify"]);
 * const sign: JwtAssertionOptions = { key: privateKey, issuer: "svc@example.com", lifetime: 300 };
 * const grant = jwtBearer({ tokenUrl: "https://auth.example.com/oauth/token", sign });
 * ```
 */
export interface JwtAssertionOptions {
  /** The signing key: a private `CryptoKey` or a private JWK (a service account's key). */
  key: CryptoKey | JsonWebKey;
  /** `kid` in the header. @default the JWK's `kid` */
  keyId?: string;
  /** The algorithm. @default the JWK's `alg`, else derived from the key (RS256 for RSA) */
  algorithm?: string;
  /** `iss`: who signs, such as a service account's `client_email`. */
  issuer: string;
  /** `sub`: the principal, such as the user to impersonate. @default undefined (no `sub`) */
  subject?: string;
  /** `aud`. @default the token endpoint URL */
  audience?: string | string[];
  /** A `scope` claim (the Google service-account shape). @default undefined */
  scope?: string | readonly string[];
  /** Lifetime of each assertion, seconds. @default 3600 */
  lifetime?: number;
  /** More claims. @default {} */
  claims?: Record<string, unknown>;
}

/**
 * Options of {@linkcode jwtBearer}.
 *
 * @example
 * ```ts
 * import { jwtBearer, type JwtBearerGrantOptions } from "@authfetch/authfetch";
 * const options: JwtBearerGrantOptions = {
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   assertion: "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJzdmMifQ.c2ln", // issued elsewhere
 *   scope: "api:read",
 * };
 * const grant = jwtBearer(options);
 * ```
 */
export interface JwtBearerGrantOptions extends GrantOptions {
  /** A ready-made assertion (a compact JWT), sent as it is. Give it or `sign`. @default undefined */
  assertion?: string;
  /** Sign a new assertion for each token request. Give it or `assertion`. @default undefined */
  sign?: JwtAssertionOptions;
}

/**
 * The JWT bearer grant: a signed JWT is exchanged for an access token. The assertion is given as a
 * string, or signed for each request from claims and a key, in the shape Google service accounts use
 * (`iss`, optional `sub`, `aud` the token endpoint, `scope`, `iat`, a 1 h `exp`). There is no refresh
 * token: a new assertion is signed when the token nears expiry.
 *
 * @param options Token endpoint, client options, and the assertion or how to sign one.
 * @returns The grant, for {@linkcode tokenSource}.
 * @throws {TypeError} When neither or both of `assertion` and `sign` are given, or `sign.lifetime` is
 * not a positive number.
 * @example
 * ```ts
 * import { jwtBearer, tokenSource } from "@authfetch/authfetch";
 * // A Google service account key file: { client_email, private_key_id, token_uri, ... }
 * const { privateKey } = await crypto.subtle.generateKey(
 *   { name: "ECDSA", namedCurve: "P-256" },
 *   false,
 *   ["sign", "verify"],
 * );
 * const tokens = tokenSource(jwtBearer({
 *   tokenUrl: "https://oauth2.googleapis.com/token",
 *   sign: {
 *     key: privateKey,
 *     issuer: "robot@project.iam.gserviceaccount.com",
 *     scope: "https://www.googleapis.com/auth/cloud-platform",
 *   },
 * }));
 * ```
 */
export function jwtBearer(options: JwtBearerGrantOptions): Grant {
  const { assertion, sign } = options;
  if ((assertion === undefined) === (sign === undefined)) {
    throw new TypeError("Cannot create jwtBearer grant: give either assertion or sign, not both");
  }
  const lifetime = sign?.lifetime ?? 3600;
  if (typeof lifetime !== "number" || !(lifetime > 0)) {
    throw new TypeError(
      `Cannot create jwtBearer grant: sign.lifetime must be a positive number of seconds, current value is ${lifetime}`,
    );
  }
  const now = options.now ?? Date.now;
  return withGrantKeys("jwt_bearer", { ...options, subject: subjectOf(options) }, {
    async token(request: GrantRequestOptions = {}): Promise<Token> {
      let jwt = assertion;
      if (sign !== undefined) {
        const audience = sign.audience ??
          (await resolveEndpoint(options, "token_endpoint", options.tokenUrl)).href;
        jwt = await signAssertion(sign, audience, lifetime, now());
      }
      return await requestToken(options, {
        grant_type: GRANT_TYPE,
        assertion: jwt,
        scope: scopeString(options.scope),
        audience: options.audience,
        resource: options.resource,
      }, request);
    },
  });
}

async function signAssertion(
  sign: JwtAssertionOptions,
  audience: string | string[],
  lifetime: number,
  now: number,
): Promise<string> {
  // Signing code and jose load on first use, not with the library.
  const [{ signingKey }, { SignJWT }] = await Promise.all([import("../lazy.ts"), loadJose()]);
  const { key, alg, kid } = await signingKey({
    privateKey: sign.key,
    algorithm: sign.algorithm,
    keyId: sign.keyId,
  });
  const iat = Math.floor(now / 1000);
  const claims: Record<string, unknown> = { ...sign.claims };
  const scope = scopeString(sign.scope);
  if (scope !== undefined) claims.scope = scope;
  const jwt = new SignJWT(claims)
    .setProtectedHeader(kid === undefined ? { alg, typ: "JWT" } : { alg, typ: "JWT", kid })
    .setIssuer(sign.issuer)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .setJti(crypto.randomUUID());
  if (sign.subject !== undefined) jwt.setSubject(sign.subject);
  return await jwt.sign(key);
}

/** Who the tokens are for (never a secret): the signed `sub`/`iss`, or the given assertion's. */
function subjectOf(options: JwtBearerGrantOptions): string | undefined {
  if (options.sign !== undefined) return options.sign.subject ?? options.sign.issuer;
  const claims = decodeJwtClaims(options.assertion!);
  return claims === undefined ? undefined : String(claims.sub ?? claims.iss ?? "");
}
