/**
 * Authorization server metadata discovery (RFC 8414, OpenID Connect Discovery 1.0).
 *
 * @module
 */

import { endpointUrl } from "../http.ts";
import type { Fetch } from "../pipeline.ts";

/**
 * Authorization server metadata (RFC 8414 §2); members not listed are kept too.
 *
 * @example
 * ```ts
 * import { type AuthorizationServerMetadata, discover } from "@authfetch/authfetch";
 * async function tokenEndpointOf(issuer: string): Promise<string | undefined> {
 *   const metadata: AuthorizationServerMetadata = await discover(issuer);
 *   return metadata.token_endpoint;
 * }
 * // console.log(await tokenEndpointOf("https://auth.example.com"));
 * ```
 */
export interface AuthorizationServerMetadata {
  /** The issuer identifier; equals the issuer asked for. */
  issuer: string;
  /** The token endpoint. */
  token_endpoint?: string;
  /** The authorization endpoint. */
  authorization_endpoint?: string;
  /** RFC 8628 device authorization endpoint. */
  device_authorization_endpoint?: string;
  /** RFC 7009 revocation endpoint. */
  revocation_endpoint?: string;
  /** RFC 7662 introspection endpoint. */
  introspection_endpoint?: string;
  /** The JWKS document URL. */
  jwks_uri?: string;
  /** OIDC UserInfo endpoint. */
  userinfo_endpoint?: string;
  /** Supported scopes. */
  scopes_supported?: string[];
  /** Supported token endpoint client authentication methods. */
  token_endpoint_auth_methods_supported?: string[];
  /** Supported PKCE methods. */
  code_challenge_methods_supported?: string[];
  /** RFC 9207: the server sends `iss` in authorization responses. */
  authorization_response_iss_parameter_supported?: boolean;
  /** RFC 9449: DPoP algorithms supported. */
  dpop_signing_alg_values_supported?: string[];
  /** Other members. */
  [member: string]: unknown;
}

/**
 * Options of {@linkcode discover}.
 *
 * @example
 * ```ts
 * import { discover, type DiscoverOptions } from "@authfetch/authfetch";
 * const options: DiscoverOptions = { reload: true, signal: new AbortController().signal };
 * // const metadata = await discover("https://auth.example.com", options);
 * ```
 */
export interface DiscoverOptions {
  /** The fetch to use. @default globalThis.fetch */
  fetch?: Fetch;
  /** Allow a plain `http:` issuer that is not loopback. @default false */
  allowInsecureHttp?: boolean;
  /** Aborts the request. @default undefined */
  signal?: AbortSignal;
  /** Fetch again even when cached. @default false */
  reload?: boolean;
  /**
   * Time limit of each metadata request, ms, from sending it to the last byte of the document.
   * Rejects with `TimeoutError`. @default 30000
   */
  timeout?: number;
}

const cache = new Map<string, Promise<AuthorizationServerMetadata>>();

/**
 * Fetches and checks an issuer's metadata: RFC 8414 (`/.well-known/oauth-authorization-server`, path
 * inserted after the host) first, then OpenID Connect with the path inserted
 * (`/.well-known/openid-configuration/tenant`), then OpenID Connect appended (`/tenant/.well-known/openid-configuration`):
 * the order the MCP authorization specification requires.
 * The document's `issuer` must equal the issuer asked for. Results are cached per issuer for the life of
 * the process; a failure is not cached.
 *
 * @param issuer The issuer identifier.
 * @param options Fetch, cache and transport options.
 * @returns The metadata.
 * @throws {AuthFetchError} With code `discovery_error` when no document is found or it does not match.
 * @example
 * ```ts
 * import { discover } from "@authfetch/authfetch";
 * // const metadata = await discover("https://accounts.example.com");
 * // console.log(metadata.token_endpoint);
 * ```
 */
export function discover(
  issuer: string | URL,
  options: DiscoverOptions = {},
): Promise<AuthorizationServerMetadata> {
  const url = endpointUrl(issuer, "issuer", options.allowInsecureHttp);
  const id = String(issuer);
  const cached = cache.get(id);
  if (cached && !options.reload) return cached;
  // A URL object's href always ends the path with "/": `new URL("https://as.example")` names the issuer
  // "https://as.example" as well.
  const alias = typeof issuer !== "string" && url.pathname === "/" ? id.slice(0, -1) : undefined;
  // The fetching code loads with the first discovery: a client given its endpoints never carries it.
  const pending = import("../lazy.ts").then(({ fetchMetadata }) =>
    fetchMetadata(id, url, options, alias)
  );
  cache.set(id, pending);
  pending.catch(() => {
    if (cache.get(id) === pending) cache.delete(id);
  });
  return pending;
}
