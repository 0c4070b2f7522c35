/**
 * A protected resource (an API) that serves RFC 9728 metadata and accepts only JWT access tokens from its
 * authorization server whose audience is this resource, verified against the server's JWKS.
 *
 * - `GET /.well-known/oauth-protected-resource/api` → `{ resource, authorization_servers, scopes_supported }`
 * - `GET /api` needs a token with `api:read`: else 401 with
 *   `WWW-Authenticate: Bearer resource_metadata="…", scope="api:read"`.
 * - `GET /api/admin` needs `api:read api:write`: a token without `api:write` gets 403
 *   `error="insufficient_scope"`, `scope="api:read api:write"`.
 * - `GET /elsewhere` records whether an Authorization header arrived (tokens must never be sent there).
 *
 * @module
 */

import { createRemoteJWKSet, jwtVerify } from "jose";

/** A running resource. */
export interface ResourcePeer {
  /** The resource identifier, `http://127.0.0.1:PORT/api`. */
  resource: string;
  /** Every request seen: path and the Authorization header. */
  seen: { path: string; authorization: string | null; status: number }[];
  /** Stops the server. */
  close(): Promise<void>;
}

/** Options of {@link startProtectedResource}. */
export interface ResourcePeerOptions {
  /** The issuer of the authorization server. */
  issuer: string;
  /** Its JWKS URL. */
  jwksUri: string;
  /** Serve metadata with this `resource` instead of the real one (mismatch tests). */
  resourceOverride?: string;
}

/** Starts the resource on 127.0.0.1 with an ephemeral port. Always `close()` it. */
export function startProtectedResource(options: ResourcePeerOptions): Promise<ResourcePeer> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri));
  const seen: ResourcePeer["seen"] = [];
  let resource = "";
  const metadataPath = "/.well-known/oauth-protected-resource/api";
  const challenge = (scope: string, error?: string) =>
    `Bearer resource_metadata="${new URL(resource).origin}${metadataPath}", scope="${scope}"` +
    (error === undefined ? "" : `, error="${error}"`);

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === metadataPath) {
      return Response.json({
        resource: options.resourceOverride ?? resource,
        authorization_servers: [options.issuer],
        scopes_supported: ["api:read"],
        bearer_methods_supported: ["header"],
      });
    }
    if (url.pathname === "/elsewhere") return new Response("elsewhere");
    const needed = url.pathname === "/api/admin" ? ["api:read", "api:write"] : ["api:read"];
    const match = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "");
    if (match === null) {
      return new Response("no token", {
        status: 401,
        headers: { "www-authenticate": challenge("api:read") },
      });
    }
    let scopes: string[];
    try {
      const { payload } = await jwtVerify(match[1], jwks, {
        issuer: options.issuer,
        audience: resource,
      });
      scopes = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
    } catch {
      return new Response("bad token", {
        status: 401,
        headers: { "www-authenticate": `${challenge("api:read", "invalid_token")}` },
      });
    }
    if (!needed.every((scope) => scopes.includes(scope))) {
      return new Response("more scope needed", {
        status: 403,
        headers: { "www-authenticate": challenge(needed.join(" "), "insufficient_scope") },
      });
    }
    return Response.json({ ok: true, path: url.pathname, scopes });
  }

  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) => {
        resource = `http://127.0.0.1:${port}/api`;
        resolve({ resource, seen, close: () => server.shutdown() });
      },
    }, async (request) => {
      const response = await handle(request);
      seen.push({
        path: new URL(request.url).pathname,
        authorization: request.headers.get("authorization"),
        status: response.status,
      });
      return response;
    });
  });
}
