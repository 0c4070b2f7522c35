/**
 * Protected resource metadata (RFC 9728) and the whole lookup from a resource URL to its authorization
 * server, in the order the MCP authorization specification requires.
 *
 * @module
 */

import { parseWwwAuthenticate } from "../handlers/www_authenticate.ts";
import type { Fetch } from "../pipeline.ts";
import { type AuthorizationServerMetadata, discover } from "./discovery.ts";
import { deadlineFetch, discoveryFailed, fetchDocument } from "./metadata_fetch.ts";

/**
 * Protected resource metadata (RFC 9728 §2); members not listed are kept too.
 *
 * @example
 * ```ts
 * import { discoverResource, type ProtectedResourceMetadata } from "@authfetch/authfetch";
 * async function serversOf(url: string): Promise<string[] | undefined> {
 *   const found = await discoverResource(url);
 *   const metadata: ProtectedResourceMetadata | undefined = found.resourceMetadata;
 *   return metadata?.authorization_servers;
 * }
 * ```
 */
export interface ProtectedResourceMetadata {
  /** The resource identifier; must match the resource asked for. */
  resource: string;
  /** Issuers of authorization servers that hand out tokens for it. */
  authorization_servers?: string[];
  /** Scopes a client may ask for. */
  scopes_supported?: string[];
  /** How the token may be presented (`header`, `body`, `query`). */
  bearer_methods_supported?: string[];
  /** Other members. */
  [member: string]: unknown;
}

/**
 * What a resource's 401 or 403 said: the RFC 9728 / RFC 6750 / RFC 9470 parameters of its Bearer challenge.
 *
 * @example
 * ```ts
 * import { type ResourceChallenge, resourceChallenge } from "@authfetch/authfetch";
 * const challenge: ResourceChallenge = resourceChallenge(
 *   'Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource", scope="read"',
 * );
 * console.log(challenge.scope); // "read"
 * ```
 */
export interface ResourceChallenge {
  /** `resource_metadata`: where the resource's metadata is. */
  resourceMetadata?: string;
  /** `scope`: the scopes the request needs. */
  scope?: string;
  /** `error`, such as `invalid_token`, `insufficient_scope`, `insufficient_user_authentication`. */
  error?: string;
  /** RFC 9470 `acr_values` the resource wants. */
  acrValues?: string;
  /** RFC 9470 `max_age` (seconds) the resource wants. */
  maxAge?: string;
}

/**
 * Reads the Bearer (or DPoP) challenge of a `WWW-Authenticate` header.
 *
 * @param header The header value.
 * @returns The parameters found (all optional).
 * @example
 * ```ts
 * import { resourceChallenge } from "@authfetch/authfetch";
 * const c = resourceChallenge('Bearer error="insufficient_scope", scope="read write"');
 * console.log(c.error, c.scope); // "insufficient_scope" "read write"
 * ```
 */
export function resourceChallenge(header: string | null | undefined): ResourceChallenge {
  const found: ResourceChallenge = {};
  for (const challenge of parseWwwAuthenticate(header)) {
    const scheme = challenge.scheme.toLowerCase();
    if (scheme !== "bearer" && scheme !== "dpop") continue;
    const p = challenge.params;
    found.resourceMetadata ??= p.resource_metadata;
    found.scope ??= p.scope;
    found.error ??= p.error;
    found.acrValues ??= p.acr_values;
    found.maxAge ??= p.max_age;
  }
  for (const key of Object.keys(found) as (keyof ResourceChallenge)[]) {
    if (found[key] === undefined) delete found[key];
  }
  return found;
}

/**
 * The canonical URI of a resource (RFC 8707 §2, MCP): lower-case scheme and host, no fragment, no
 * trailing slash after the host.
 *
 * @param url The resource URL.
 * @returns The canonical URI.
 * @throws {TypeError} When `url` is not an absolute URL.
 * @example
 * ```ts
 * import { canonicalResource } from "@authfetch/authfetch";
 * console.log(canonicalResource("HTTPS://MCP.Example.com/mcp#x")); // "https://mcp.example.com/mcp"
 * console.log(canonicalResource("https://api.example.com/")); // "https://api.example.com"
 * ```
 */
export function canonicalResource(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Cannot use resource "${String(url).slice(0, 200)}": not an absolute URL`);
  }
  parsed.hash = "";
  const path = parsed.pathname === "/" ? "" : parsed.pathname;
  return `${parsed.origin}${path}${parsed.search}`;
}

/**
 * `true` when the resource `identifier` (from metadata) names `url` or a path above it on the same origin:
 * a token for `https://api.example.com/mcp` may go to `https://api.example.com/mcp` and below, never to
 * `https://api.example.com/other` or another origin.
 *
 * @param identifier A canonical resource identifier.
 * @param url A URL.
 * @returns Whether `url` is within the resource.
 * @example
 * ```ts
 * import { resourceCovers } from "@authfetch/authfetch";
 * console.log(resourceCovers("https://api.example.com/mcp", "https://api.example.com/mcp/x")); // true
 * console.log(resourceCovers("https://api.example.com/mcp", "https://api.example.com/mcpx")); // false
 * ```
 */
export function resourceCovers(identifier: string, url: string | URL): boolean {
  let base: URL, target: URL;
  try {
    base = new URL(identifier);
    target = new URL(url);
  } catch {
    return false;
  }
  if (base.origin !== target.origin) return false;
  const prefix = base.pathname.replace(/\/$/, "");
  return prefix === "" || target.pathname === prefix || target.pathname.startsWith(prefix + "/");
}

/**
 * Options of {@linkcode discoverResource}.
 *
 * @example
 * ```ts
 * import { discoverResource, type DiscoverResourceOptions } from "@authfetch/authfetch";
 * const options: DiscoverResourceOptions = { timeout: 5_000 };
 * // const found = await discoverResource("https://mcp.example.com/mcp", options);
 * ```
 */
export interface DiscoverResourceOptions {
  /** The fetch to use. @default globalThis.fetch */
  fetch?: Fetch;
  /** Allow plain `http:` URLs that are not loopback (tests only). @default false */
  allowInsecureHttp?: boolean;
  /** Aborts the lookup. @default undefined */
  signal?: AbortSignal;
  /** The deadline of each request, ms. @default 10000 */
  timeout?: number;
  /** The `resource_metadata` URL from the resource's challenge, tried first. @default undefined */
  resourceMetadataUrl?: string;
  /**
   * Refuse an authorization server that does not list `S256` in `code_challenge_methods_supported`
   * (needed for authorization-code logins). @default true
   */
  requirePkce?: boolean;
  /**
   * Picks the authorization server from the metadata's `authorization_servers`.
   * @default the first that can be discovered (and supports PKCE when required)
   */
  chooseAuthorizationServer?: (issuers: readonly string[]) => readonly string[];
}

/**
 * What {@linkcode discoverResource} found.
 *
 * @example
 * ```ts
 * import { discoverResource, type ResourceDiscovery } from "@authfetch/authfetch";
 * async function issuerOf(url: string): Promise<string> {
 *   const found: ResourceDiscovery = await discoverResource(url);
 *   return found.issuer;
 * }
 * ```
 */
export interface ResourceDiscovery {
  /** The resource's canonical URI: the `resource` sent to the authorization server. */
  resource: string;
  /** The protected resource metadata, when the resource publishes it. */
  resourceMetadata?: ProtectedResourceMetadata;
  /** Where the metadata was found. */
  resourceMetadataUrl?: string;
  /** The authorization server's issuer. */
  issuer: string;
  /** The authorization server's metadata. */
  authorizationServer: AuthorizationServerMetadata;
  /**
   * `"metadata"`: RFC 9728 and RFC 8414 (the current MCP flow). `"legacy-metadata"`: no resource metadata,
   * the server's own RFC 8414 document (MCP 2025-03-26). `"legacy-default"`: neither, the 2025-03-26 default
   * endpoints `/authorize`, `/token`, `/register` at the resource's origin.
   */
  via: "metadata" | "legacy-metadata" | "legacy-default";
}

/**
 * Finds who issues tokens for a resource, from nothing but its URL:
 *
 * 1. Protected resource metadata (RFC 9728): the challenge's `resource_metadata` URL, else
 *    `/.well-known/oauth-protected-resource` with the resource's path inserted, then at the root. The
 *    document's `resource` must be the resource's canonical URI or a path above it on the same origin.
 * 2. The authorization server from its `authorization_servers`, discovered with {@linkcode discover} (RFC 8414
 *    with path insertion, OpenID Connect with path insertion, then appended); `issuer` must match exactly, and
 *    with `requirePkce` (the default) `S256` must be listed in `code_challenge_methods_supported`.
 * 3. With no resource metadata at all (MCP 2025-03-26 servers): the RFC 8414 document at the resource's
 *    origin, else the default endpoints `/authorize`, `/token` and `/register` there.
 *
 * Every URL follows the token-endpoint rules: `https:` (loopback `http:` allowed), redirects not followed,
 * bodies capped at 256 KiB, each request with a deadline.
 *
 * @param resourceUrl The resource (an API or MCP endpoint URL).
 * @param options Fetch, deadline, challenge URL and PKCE requirement.
 * @returns The resource's canonical URI, its metadata and its authorization server.
 * @throws {AuthFetchError} With code `discovery_error` on a mismatched `resource` or `issuer`, a server
 *   without PKCE, or when nothing is found.
 * @throws {TypeError} When a URL is not `https:` (or loopback `http:`).
 * @example
 * ```ts
 * import { discoverResource } from "@authfetch/authfetch";
 *
 * export async function tokenEndpointOf(resource: string): Promise<string | undefined> {
 *   const found = await discoverResource(resource); // e.g. "https://mcp.example.com/mcp"
 *   console.log(found.issuer, found.resourceMetadata?.scopes_supported);
 *   return found.authorizationServer.token_endpoint;
 * }
 * ```
 */
export async function discoverResource(
  resourceUrl: string | URL,
  options: DiscoverResourceOptions = {},
): Promise<ResourceDiscovery> {
  const requested = canonicalResource(resourceUrl);
  const target = new URL(requested);
  const path = target.pathname === "/" ? "" : target.pathname;
  const candidates: string[] = [];
  if (options.resourceMetadataUrl !== undefined) candidates.push(options.resourceMetadataUrl);
  else {
    if (path !== "") {
      candidates.push(`${target.origin}/.well-known/oauth-protected-resource${path}`);
    }
    candidates.push(`${target.origin}/.well-known/oauth-protected-resource`);
  }
  const problems: string[] = [];
  let absent = true;
  for (const candidate of candidates) {
    const result = await fetchDocument(candidate, "protected resource metadata URL", options);
    if (!result.ok) {
      problems.push(result.problem);
      if (result.status !== 404) absent = false;
      continue;
    }
    const metadata = result.document as ProtectedResourceMetadata;
    if (typeof metadata.resource !== "string") {
      discoveryFailed(`Protected resource metadata at ${candidate} has no resource member`);
    }
    const identifier = canonicalResource(metadata.resource);
    if (!resourceCovers(identifier, requested)) {
      discoveryFailed(
        `Protected resource metadata at ${candidate} is for resource "${
          metadata.resource.slice(0, 200)
        }", not "${requested}"; refusing it (RFC 9728 §3.3)`,
      );
    }
    const servers = metadata.authorization_servers;
    if (
      !Array.isArray(servers) || servers.length === 0 || servers.some((s) => typeof s !== "string")
    ) {
      discoveryFailed(`Protected resource metadata at ${candidate} names no authorization_servers`);
    }
    const chosen = options.chooseAuthorizationServer?.(servers) ?? servers;
    const found = await firstAuthorizationServer(chosen, options);
    return {
      resource: identifier,
      resourceMetadata: metadata,
      resourceMetadataUrl: candidate,
      issuer: found.issuer,
      authorizationServer: found,
      via: "metadata",
    };
  }
  if (options.resourceMetadataUrl !== undefined || !absent) {
    discoveryFailed(`No protected resource metadata for ${requested}`, problems);
  }
  return await legacy(requested, target, options, problems);
}

async function firstAuthorizationServer(
  issuers: readonly string[],
  options: DiscoverResourceOptions,
): Promise<AuthorizationServerMetadata> {
  const problems: string[] = [];
  const fetch = deadlineFetch(options);
  for (const issuer of issuers) {
    let metadata: AuthorizationServerMetadata;
    try {
      metadata = await discover(issuer, {
        fetch,
        allowInsecureHttp: options.allowInsecureHttp,
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      problems.push((error as Error).message);
      continue;
    }
    const problem = pkceProblem(metadata, options);
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    return metadata;
  }
  discoveryFailed("No usable authorization server", problems);
}

function pkceProblem(
  metadata: AuthorizationServerMetadata,
  options: DiscoverResourceOptions,
): string | undefined {
  if (options.requirePkce === false) return undefined;
  const methods = metadata.code_challenge_methods_supported;
  if (Array.isArray(methods) && methods.includes("S256")) return undefined;
  return `The authorization server ${metadata.issuer} does not list S256 in code_challenge_methods_supported ` +
    "(it may not support PKCE); refusing it as the MCP authorization specification requires";
}

/** MCP 2025-03-26: the authorization server is the resource's origin. */
async function legacy(
  requested: string,
  target: URL,
  options: DiscoverResourceOptions,
  problems: string[],
): Promise<ResourceDiscovery> {
  const url = `${target.origin}/.well-known/oauth-authorization-server`;
  const result = await fetchDocument(url, "authorization server metadata URL", options);
  if (result.ok) {
    const metadata = result.document as AuthorizationServerMetadata;
    // The 2025-03-26 document is found through the resource's own origin, which is what vouches for it;
    // its issuer may carry a path the origin does not.
    const issuer = typeof metadata.issuer === "string" ? metadata.issuer : target.origin;
    const problem = pkceProblem(metadata, options);
    if (problem !== undefined) discoveryFailed(problem);
    return {
      resource: requested,
      issuer,
      authorizationServer: { ...metadata, issuer },
      via: "legacy-metadata",
    };
  }
  if (result.status !== 404) {
    discoveryFailed(`No protected resource or authorization server metadata for ${requested}`, [
      ...problems,
      result.problem,
    ]);
  }
  return {
    resource: requested,
    issuer: target.origin,
    // The 2025-03-26 defaults; that revision made PKCE (S256) mandatory for its clients.
    authorizationServer: {
      issuer: target.origin,
      authorization_endpoint: `${target.origin}/authorize`,
      token_endpoint: `${target.origin}/token`,
      registration_endpoint: `${target.origin}/register`,
      code_challenge_methods_supported: ["S256"],
    },
    via: "legacy-default",
  };
}
