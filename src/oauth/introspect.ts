/**
 * Token introspection (RFC 7662).
 *
 * @module
 */

import { TokenResponseError } from "../errors.ts";
import { type EndpointOptions, resolveEndpoint } from "./token_request.ts";
import { postForm } from "./post_form.ts";
import { excerpt } from "../redact.ts";

/**
 * An introspection response (RFC 7662 §2.2); members not listed are kept too.
 *
 * @example
 * ```ts
 * import { introspect, type IntrospectionResult } from "@authfetch/authfetch";
 * async function scopesOf(token: string): Promise<string[]> {
 *   const options = { issuer: "https://as", clientId: "api", clientSecret: "s3cret", token };
 *   const result: IntrospectionResult = await introspect(options);
 *   return result.active ? (result.scope ?? "").split(" ") : [];
 * }
 * ```
 */
export interface IntrospectionResult {
  /** Whether the token is currently active. Everything else is present only when it is. */
  active: boolean;
  /** Space-separated scopes. */
  scope?: string;
  /** The client the token was issued to. */
  client_id?: string;
  /** The resource owner's user name. */
  username?: string;
  /** The token type (`Bearer`, `DPoP`…). */
  token_type?: string;
  /** Expiry, seconds since the epoch. */
  exp?: number;
  /** Issue time, seconds since the epoch. */
  iat?: number;
  /** Not-before, seconds since the epoch. */
  nbf?: number;
  /** Subject. */
  sub?: string;
  /** Audience(s). */
  aud?: string | string[];
  /** Issuer. */
  iss?: string;
  /** Token id. */
  jti?: string;
  /** Other members. */
  [member: string]: unknown;
}

/**
 * Options of {@linkcode introspect}.
 *
 * @example
 * ```ts
 * import { introspect, type IntrospectOptions } from "@authfetch/authfetch";
 * const options: IntrospectOptions = {
 *   introspectionUrl: "https://auth.example.com/oauth/introspect",
 *   clientId: "api",
 *   clientSecret: "s3cret",
 *   token: "abc",
 * };
 * // const { active } = await introspect(options);
 * ```
 */
export interface IntrospectOptions extends EndpointOptions {
  /** The token to look up. */
  token: string;
  /** `token_type_hint`: `"access_token"` or `"refresh_token"`. @default undefined */
  tokenTypeHint?: "access_token" | "refresh_token" | (string & Record<never, never>);
  /** The introspection endpoint. @default the issuer's `introspection_endpoint`, by discovery */
  introspectionUrl?: string | URL;
  /** Aborts the request. @default undefined */
  signal?: AbortSignal;
}

/**
 * Asks the authorization server whether a token is active and what it carries (RFC 7662), with the
 * same client authentication options as the token endpoint.
 *
 * @param options The token, the endpoint (or issuer) and the caller's credentials.
 * @returns The introspection result; `active: false` for an unknown, expired or revoked token.
 * @throws {OAuthError} When the server answers an OAuth error (e.g. `invalid_client`).
 * @throws {TokenResponseError} When the answer has no boolean `active`, or is not JSON.
 * @throws {TypeError} When there is no endpoint to use.
 * @example
 * ```ts
 * import { introspect } from "@authfetch/authfetch";
 * // const result = await introspect({
 * //   issuer: "https://auth.example.com",
 * //   clientId: "resource-server",
 * //   clientSecret: "s3cret",
 * //   token: incomingAccessToken,
 * // });
 * // if (!result.active) throw new Error("token is not active");
 * ```
 */
export async function introspect(options: IntrospectOptions): Promise<IntrospectionResult> {
  if (typeof options.token !== "string" || options.token === "") {
    throw new TypeError("Cannot introspect: token is empty");
  }
  const url = await resolveEndpoint(options, "introspection_endpoint", options.introspectionUrl);
  const { body, status, secrets } = await postForm(options, url, {
    token: options.token,
    token_type_hint: options.tokenTypeHint,
  }, { signal: options.signal, context: "token introspection" });
  if (typeof body.active !== "boolean") {
    throw new TokenResponseError(
      `token introspection answer has no boolean "active": ${
        excerpt(JSON.stringify(body), 120, secrets)
      }`,
      { status },
    );
  }
  return body as IntrospectionResult;
}
