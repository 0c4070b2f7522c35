/**
 * A small local authorization server and API for tests, the demo and benchmarks: client credentials,
 * password and refresh-token grants, tokens with a configurable lifetime on an injectable clock, an API
 * that checks them, and counters for everything.
 *
 * @module
 */

/** Options of {@linkcode startTokenServer}. */
export interface TokenServerOptions {
  /** Token lifetime in seconds. @default 3600 */
  expiresIn?: number;
  /** The clock the server judges expiry by, epoch ms. @default Date.now */
  now?: () => number;
  /** Client id and secret accepted (Basic or post). @default "client" / "secret" */
  clientId?: string;
  clientSecret?: string;
  /** Rotate refresh tokens and answer reuse with invalid_grant. @default true */
  rotateRefreshTokens?: boolean;
  /** Milliseconds the token endpoint waits before answering. @default 0 */
  tokenDelay?: number;
  /** Called for each API request before the normal handling; a Response returned is sent instead. */
  apiHook?: (
    request: Request,
    count: number,
  ) => Response | undefined | Promise<Response | undefined>;
  /** Called for each token request before the normal handling; a Response returned is sent instead. */
  tokenHook?: (
    request: Request,
    count: number,
  ) => Response | undefined | Promise<Response | undefined>;
}

/** A running token server. */
export interface TokenServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The token endpoint. */
  tokenUrl: string;
  /** Counters. */
  stats: {
    tokenRequests: number;
    grants: Record<string, number>;
    apiRequests: number;
    api401: number;
    invalidGrant: number;
  };
  /** Makes the API reject this access token from now on. */
  revoke(accessToken: string): void;
  /** Request bodies the API received, in order (for replay checks). */
  bodies: string[];
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1, port 0. Endpoints: `POST /token`, `GET|POST|PUT /api/*` (200 JSON with
 * the caller's subject, 401 with `WWW-Authenticate: Bearer error="invalid_token"` for unknown, expired or
 * revoked tokens).
 */
export function startTokenServer(options: TokenServerOptions = {}): TokenServer {
  const now = options.now ?? Date.now;
  const clientId = options.clientId ?? "client";
  const clientSecret = options.clientSecret ?? "secret";
  const rotate = options.rotateRefreshTokens ?? true;
  const live = new Map<string, { expiresAt: number; subject: string }>();
  const refreshTokens = new Map<string, string>();
  const revoked = new Set<string>();
  let serial = 0;
  const stats = {
    tokenRequests: 0,
    grants: {} as Record<string, number>,
    apiRequests: 0,
    api401: 0,
    invalidGrant: 0,
  };
  const bodies: string[] = [];
  const controller = new AbortController();

  const issue = (subject: string) => {
    const id = ++serial;
    const accessToken = `at-${id}-${crypto.randomUUID().slice(0, 8)}`;
    const refreshToken = `rt-${id}-${crypto.randomUUID().slice(0, 8)}`;
    const expiresIn = options.expiresIn ?? 3600;
    live.set(accessToken, { expiresAt: now() + expiresIn * 1000, subject });
    refreshTokens.set(refreshToken, subject);
    return {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: expiresIn,
      refresh_token: refreshToken,
    };
  };
  const error = (status: number, code: string, description: string) => {
    if (code === "invalid_grant") stats.invalidGrant++;
    return Response.json({ error: code, error_description: description }, { status });
  };

  const token = async (request: Request): Promise<Response> => {
    stats.tokenRequests++;
    const hooked = await options.tokenHook?.(request.clone(), stats.tokenRequests);
    if (hooked) return hooked;
    if (options.tokenDelay) await new Promise((r) => setTimeout(r, options.tokenDelay));
    const form = new URLSearchParams(await request.text());
    let id = form.get("client_id");
    let secret = form.get("client_secret");
    const basic = request.headers.get("authorization");
    if (basic?.startsWith("Basic ")) {
      const [u, p] = atob(basic.slice(6)).split(":");
      id = decodeURIComponent(u.replaceAll("+", " "));
      secret = decodeURIComponent(p.replaceAll("+", " "));
    }
    if (id !== clientId || secret !== clientSecret) {
      return error(401, "invalid_client", "client authentication failed");
    }
    const grant = form.get("grant_type") ?? "";
    stats.grants[grant] = (stats.grants[grant] ?? 0) + 1;
    switch (grant) {
      case "client_credentials":
        return Response.json(issue(clientId));
      case "password":
        if (form.get("password") !== "pw") return error(400, "invalid_grant", "bad credentials");
        return Response.json(issue(form.get("username") ?? ""));
      case "refresh_token": {
        const rt = form.get("refresh_token") ?? "";
        const subject = refreshTokens.get(rt);
        if (subject === undefined) {
          return error(400, "invalid_grant", "refresh token unknown or already used");
        }
        if (rotate) refreshTokens.delete(rt);
        const issued = issue(subject);
        if (!rotate) {
          refreshTokens.delete(issued.refresh_token);
          return Response.json({ ...issued, refresh_token: undefined });
        }
        return Response.json(issued);
      }
      default:
        return error(400, "unsupported_grant_type", `grant_type ${grant} is not supported`);
    }
  };

  const api = async (request: Request): Promise<Response> => {
    stats.apiRequests++;
    const hooked = await options.apiHook?.(request, stats.apiRequests);
    if (hooked) return hooked;
    if (request.body) bodies.push(await request.text());
    const header = request.headers.get("authorization") ?? "";
    const presented = header.startsWith("Bearer ") ? header.slice(7) : "";
    const entry = live.get(presented);
    if (entry === undefined || revoked.has(presented) || now() >= entry.expiresAt) {
      stats.api401++;
      return new Response(JSON.stringify({ error: "invalid_token" }), {
        status: 401,
        headers: {
          "www-authenticate": 'Bearer realm="api", error="invalid_token"',
          "content-type": "application/json",
        },
      });
    }
    return Response.json({ ok: true, subject: entry.subject, path: new URL(request.url).pathname });
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
    bodies,
    revoke: (accessToken) => revoked.add(accessToken),
    close: async () => {
      controller.abort();
      await server.finished;
    },
  };
}
