/**
 * A strict token server for the multi-process store tests: every refresh token can be used once; a
 * second use is a reuse, answered with `invalid_grant`, and revokes the whole token family (every
 * refresh and access token descended from one initial grant), as RFC 9700 §4.14.2 advises. Access
 * tokens are bound to a subject and a resource; the API (`/api/<resource>`) answers 401 for unknown,
 * expired or revoked tokens and 403 for a token of another resource. Everything is counted.
 *
 * @module
 */

/** Options of {@linkcode startStrictTokenServer}. */
export interface StrictTokenServerOptions {
  /** Access token lifetime, seconds. @default 60 */
  expiresIn?: number;
  /** Delay before answering a token request, ms (per request, given the grant type). @default 0 */
  delay?: (grantType: string) => number;
  /**
   * Called when a token request arrived (its body read), before it is answered; resolves when the
   * answer may go. `worker` is the `x-worker` header.
   */
  onRequest?: (grantType: string, worker: string | null) => void | Promise<void>;
}

/** Counters. */
export interface StrictStats {
  /** Every token request. */
  tokenRequests: number;
  /** Password and client-credentials grants (each starts a family). */
  initialGrants: number;
  /** Refresh requests answered with a new token. */
  refreshes: number;
  /** A spent refresh token presented again. */
  reuses: number;
  /** Families revoked (each by a reuse). */
  revocations: number;
  /** An unspent refresh token of a revoked family presented. */
  revokedPresented: number;
  /** API requests answered 200. */
  api200: number;
  /** API requests answered 401 (expired, revoked, unknown). */
  api401: number;
  /** API requests answered 403: an access token of another resource. */
  apiWrongResource: number;
}

/** A running strict server. */
export interface StrictTokenServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The token endpoint. */
  tokenUrl: string;
  /** Counters. */
  stats: StrictStats;
  /** Stops the server. */
  close(): Promise<void>;
}

interface Family {
  subject: string;
  resource: string;
  revoked: boolean;
}

/**
 * Starts the server on 127.0.0.1, port 0.
 *
 * @param options Lifetime, delays and the request hook.
 * @returns The server.
 */
export function startStrictTokenServer(options: StrictTokenServerOptions = {}): StrictTokenServer {
  const expiresIn = options.expiresIn ?? 60;
  const families: Family[] = [];
  const refreshTokens = new Map<string, { family: number; spent: boolean }>();
  const accessTokens = new Map<string, { family: number; expiresAt: number }>();
  const stats: StrictStats = {
    tokenRequests: 0,
    initialGrants: 0,
    refreshes: 0,
    reuses: 0,
    revocations: 0,
    revokedPresented: 0,
    api200: 0,
    api401: 0,
    apiWrongResource: 0,
  };
  let serial = 0;
  const controller = new AbortController();

  const issue = (family: number) => {
    const id = ++serial;
    const accessToken = `at-${family}-${id}-${crypto.randomUUID().slice(0, 8)}`;
    const refreshToken = `rt-${family}-${id}-${crypto.randomUUID().slice(0, 8)}`;
    accessTokens.set(accessToken, { family, expiresAt: Date.now() + expiresIn * 1000 });
    refreshTokens.set(refreshToken, { family, spent: false });
    return Response.json({
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: expiresIn,
      refresh_token: refreshToken,
    });
  };
  const invalidGrant = (description: string) =>
    Response.json({ error: "invalid_grant", error_description: description }, { status: 400 });

  const t0 = Date.now();
  const log = Deno.env.get("STRICT_LOG") !== undefined
    ? (...parts: unknown[]) => console.error(`[server +${Date.now() - t0}ms]`, ...parts)
    : () => {};
  const token = async (request: Request): Promise<Response> => {
    const response = await answer(request);
    log(request.headers.get("x-worker"), lastGrant, lastRefreshToken, "->", response.status);
    return response;
  };
  let lastGrant = "";
  let lastRefreshToken = "";
  const answer = async (request: Request): Promise<Response> => {
    stats.tokenRequests++;
    const form = new URLSearchParams(await request.text());
    const grant = form.get("grant_type") ?? "";
    lastGrant = grant;
    lastRefreshToken = form.get("refresh_token") ?? "";
    await options.onRequest?.(grant, request.headers.get("x-worker"));
    const ms = options.delay?.(grant) ?? 0;
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    const basic = request.headers.get("authorization") ?? "";
    const client = basic.startsWith("Basic ") ? atob(basic.slice(6)) : "";
    if (client !== "client:secret") {
      return Response.json({ error: "invalid_client" }, { status: 401 });
    }
    const resource = form.get("resource") ?? "";
    if (grant === "password" || grant === "client_credentials") {
      if (grant === "password" && form.get("password") !== "pw") {
        return invalidGrant("bad password");
      }
      stats.initialGrants++;
      families.push({ subject: form.get("username") ?? "service", resource, revoked: false });
      return issue(families.length - 1);
    }
    if (grant !== "refresh_token") {
      return Response.json({ error: "unsupported_grant_type" }, { status: 400 });
    }
    const entry = refreshTokens.get(form.get("refresh_token") ?? "");
    if (entry === undefined) return invalidGrant("unknown refresh token");
    const family = families[entry.family];
    if (entry.spent) {
      stats.reuses++;
      if (!family.revoked) {
        family.revoked = true;
        stats.revocations++;
      }
      return invalidGrant("refresh token reused: the token family is revoked");
    }
    entry.spent = true;
    if (family.revoked) {
      stats.revokedPresented++;
      return invalidGrant("the token family was revoked");
    }
    if (resource !== "" && resource !== family.resource) return invalidGrant("resource mismatch");
    stats.refreshes++;
    return issue(entry.family);
  };

  const api = (request: Request): Response => {
    const header = request.headers.get("authorization") ?? "";
    const entry = accessTokens.get(header.startsWith("Bearer ") ? header.slice(7) : "");
    const family = entry === undefined ? undefined : families[entry.family];
    if (entry === undefined || family!.revoked || Date.now() >= entry.expiresAt) {
      stats.api401++;
      return new Response(null, {
        status: 401,
        headers: { "www-authenticate": 'Bearer error="invalid_token"' },
      });
    }
    const resource = decodeURIComponent(new URL(request.url).pathname.slice("/api/".length));
    if (family!.resource !== "" && resource !== family!.resource) {
      stats.apiWrongResource++;
      return Response.json({ error: "wrong resource" }, { status: 403 });
    }
    stats.api200++;
    return Response.json({ subject: family!.subject, resource: family!.resource });
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen: () => {} },
    (request) => new URL(request.url).pathname === "/token" ? token(request) : api(request),
  );
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    tokenUrl: `${origin}/token`,
    stats,
    close: async () => {
      controller.abort();
      await server.finished;
    },
  };
}
