/**
 * A configurable authorization server and protected resource pair (two loopback servers) for the unit
 * tests of `protectedResource()`: each discovery location, registration path, PKCE advertisement and
 * step-up answer can be switched, and every request is recorded.
 *
 * @module
 */

/** Options of {@link startStub}. */
export interface StubOptions {
  /** Path of the issuer (`""` or `"/tenant"`). Default `""`. */
  issuerPath?: string;
  /** Which metadata URL the AS answers. Default `"oauth"`. */
  asMetadata?: "oauth" | "oidc-inserted" | "oidc-appended";
  /** Advertise S256. Default true. */
  pkce?: boolean;
  /** Issuer to put in the AS metadata instead of the real one. */
  issuerOverride?: string;
  /** Advertise and accept CIMD. Default false. */
  cimd?: boolean;
  /** Offer a registration endpoint. Default true. */
  registration?: boolean;
  /** Where the resource metadata is: path-based, root, or nowhere. Default `"path"`. */
  prm?: "path" | "root" | "none";
  /** Put resource_metadata in the 401 challenge. Default true. */
  challengeUrl?: boolean;
  /** The PRM's resource instead of the real one. */
  resourceOverride?: string;
  /** `scopes_supported` of the PRM. */
  scopesSupported?: string[];
  /** Scopes each path needs; default `{ "/mcp": [] }`. */
  needs?: Record<string, string[]>;
  /** Paths that need `acr=strong` (RFC 9470). */
  strongPaths?: string[];
}

/** A running stub pair. */
export interface Stub {
  /** The AS issuer. */
  issuer: string;
  /** The resource URL, `http://127.0.0.1:PORT/mcp`. */
  resource: string;
  /** Every request to either server, as `METHOD path`. */
  log: string[];
  /** Registration request bodies. */
  registrations: Record<string, unknown>[];
  /** Authorization request query parameters. */
  authorizations: URLSearchParams[];
  /** Token request bodies. */
  tokenRequests: URLSearchParams[];
  /** Client ids the token endpoint refuses with invalid_client. */
  rejectedClients: Set<string>;
  /** Stops both servers. */
  close(): Promise<void>;
}

interface Issued {
  scope: string;
  acr?: string;
  clientId: string;
}

function serve(handler: (request: Request) => Response | Promise<Response>) {
  return new Promise<{ origin: string; close: () => Promise<void> }>((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) =>
        resolve({ origin: `http://127.0.0.1:${port}`, close: () => server.shutdown() }),
    }, handler);
  });
}

/** Starts the pair. Always `close()` it. */
export async function startStub(options: StubOptions = {}): Promise<Stub> {
  const log: string[] = [];
  const registrations: Record<string, unknown>[] = [];
  const authorizations: URLSearchParams[] = [];
  const tokenRequests: URLSearchParams[] = [];
  const rejectedClients = new Set<string>();
  const codes = new Map<string, Issued>();
  const tokens = new Map<string, Issued>();
  const refreshTokens = new Map<string, Issued>();
  let counter = 0;
  const path = options.issuerPath ?? "";
  let asOrigin = "";
  let rsOrigin = "";

  const as = await serve(async (request) => {
    const url = new URL(request.url);
    log.push(`${request.method} ${url.pathname}`);
    const issuer = `${asOrigin}${path}`;
    const metadataPath = {
      "oauth": `/.well-known/oauth-authorization-server${path}`,
      "oidc-inserted": `/.well-known/openid-configuration${path}`,
      "oidc-appended": `${path}/.well-known/openid-configuration`,
    }[options.asMetadata ?? "oauth"];
    if (url.pathname === metadataPath) {
      return Response.json({
        issuer: options.issuerOverride ?? issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        ...(options.registration === false ? {} : { registration_endpoint: `${issuer}/register` }),
        response_types_supported: ["code"],
        token_endpoint_auth_methods_supported: ["none", "client_secret_basic"],
        ...(options.pkce === false ? {} : { code_challenge_methods_supported: ["S256"] }),
        ...(options.cimd ? { client_id_metadata_document_supported: true } : {}),
      });
    }
    if (url.pathname === `${path}/register` && request.method === "POST") {
      const body = await request.json();
      registrations.push(body);
      return Response.json({ ...body, client_id: `client-${registrations.length}` }, {
        status: 201,
      });
    }
    if (url.pathname === `${path}/authorize`) {
      authorizations.push(url.searchParams);
      const code = `code-${++counter}`;
      codes.set(code, {
        scope: url.searchParams.get("scope") ?? "",
        acr: url.searchParams.get("acr_values") ?? undefined,
        clientId: url.searchParams.get("client_id") ?? "",
      });
      const back = new URL(url.searchParams.get("redirect_uri")!);
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state")!);
      return new Response(null, { status: 302, headers: { location: back.href } });
    }
    if (url.pathname === `${path}/token` && request.method === "POST") {
      const body = new URLSearchParams(await request.text());
      tokenRequests.push(body);
      const clientId = body.get("client_id") ?? "";
      if (rejectedClients.has(clientId)) {
        return Response.json({ error: "invalid_client" }, { status: 401 });
      }
      const grant = body.get("grant_type") === "refresh_token"
        ? refreshTokens.get(body.get("refresh_token") ?? "")
        : codes.get(body.get("code") ?? "");
      if (grant === undefined) return Response.json({ error: "invalid_grant" }, { status: 400 });
      const access = `at-${++counter}`;
      const refresh = `rt-${counter}`;
      tokens.set(access, grant);
      refreshTokens.set(refresh, grant);
      return Response.json({
        access_token: access,
        token_type: "Bearer",
        expires_in: 3600,
        refresh_token: refresh,
        scope: grant.scope,
      });
    }
    return new Response("not found", { status: 404 });
  });
  asOrigin = as.origin;

  const rs = await serve((request) => {
    const url = new URL(request.url);
    log.push(`${request.method} ${url.pathname}`);
    const resource = `${rsOrigin}/mcp`;
    const prmPath = options.prm === "root"
      ? "/.well-known/oauth-protected-resource"
      : "/.well-known/oauth-protected-resource/mcp";
    if (options.prm !== "none" && url.pathname === prmPath) {
      return Response.json({
        resource: options.resourceOverride ??
          (options.prm === "root" ? rsOrigin : resource),
        authorization_servers: [`${asOrigin}${path}`],
        ...(options.scopesSupported ? { scopes_supported: options.scopesSupported } : {}),
      });
    }
    const needs = options.needs ?? { "/mcp": [] };
    if (!(url.pathname in needs)) return new Response("not found", { status: 404 });
    const meta = options.prm === "none" || options.challengeUrl === false
      ? ""
      : `, resource_metadata="${rsOrigin}${prmPath}"`;
    const needed = needs[url.pathname];
    const token = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    const issued = token === undefined ? undefined : tokens.get(token);
    if (issued === undefined) {
      return new Response("unauthorized", {
        status: 401,
        headers: {
          "www-authenticate": `Bearer error="invalid_token"${meta}` +
            (needed.length > 0 ? `, scope="${needed.join(" ")}"` : ""),
        },
      });
    }
    const granted = issued.scope.split(" ");
    if (!needed.every((scope) => granted.includes(scope))) {
      return new Response("forbidden", {
        status: 403,
        headers: {
          "www-authenticate": `Bearer error="insufficient_scope", scope="${
            needed.join(" ")
          }"${meta}`,
        },
      });
    }
    if (options.strongPaths?.includes(url.pathname) && issued.acr !== "strong") {
      return new Response("stronger authentication needed", {
        status: 401,
        headers: {
          "www-authenticate":
            `Bearer error="insufficient_user_authentication", acr_values="strong", max_age="60"${meta}`,
        },
      });
    }
    return Response.json({ ok: true, scope: issued.scope });
  });
  rsOrigin = rs.origin;

  return {
    issuer: `${asOrigin}${path}`,
    resource: `${rsOrigin}/mcp`,
    log,
    registrations,
    authorizations,
    tokenRequests,
    rejectedClients,
    async close() {
      await as.close();
      await rs.close();
    },
  };
}

/** A headless browser login for the stub: follows the authorization redirect. */
export async function approve(url: URL): Promise<string> {
  const response = await fetch(url, { redirect: "manual" });
  await response.body?.cancel();
  return response.headers.get("location")!;
}
