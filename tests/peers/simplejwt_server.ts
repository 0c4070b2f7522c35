/**
 * A local stand-in for a Django REST framework SimpleJWT API, for tests and examples:
 *
 * - `POST /api/token/` `{username, password}` → `{access, refresh}`; wrong credentials → 401
 *   `{"detail": "No active account found with the given credentials"}`; missing fields → 400
 *   `{"username": ["This field is required."]}`.
 * - `POST /api/token/refresh/` `{refresh}` → `{access}` (plus a new `refresh` with
 *   `rotateRefreshTokens`); an invalid, expired or blacklisted refresh token → 401
 *   `{"detail": "Token is invalid or expired", "code": "token_not_valid"}`.
 * - `POST /api/token/verify/` `{token}` → 200 `{}` or 401 as above.
 * - `GET|POST /api/me/` with `Authorization: Bearer <access>` → 200 `{"username": …}`, else 401
 *   `{"detail": …}` with `WWW-Authenticate: Bearer realm="api"`.
 *
 * Tokens are real HS256 JWTs (`token_type`, `exp`, `iat`, `jti`, `user_id`) judged by an injectable clock.
 *
 * ```ts ignore
 * const server = await startSimpleJwtServer({ users: { alice: "wonderland" } });
 * try {
 *   // jsonLogin({ loginUrl: server.loginUrl, refreshUrl: server.refreshUrl, ... })
 * } finally {
 *   await server.close();
 * }
 * ```
 *
 * @module
 */

import { jwtVerify, SignJWT } from "jose";

/** Options of {@linkcode startSimpleJwtServer}. */
export interface SimpleJwtServerOptions {
  /** Accepted users: name → password. @default { alice: "wonderland" } */
  users?: Record<string, string>;
  /** Access token lifetime, seconds (SimpleJWT's default is 5 minutes). @default 300 */
  accessLifetime?: number;
  /** Refresh token lifetime, seconds. @default 86400 */
  refreshLifetime?: number;
  /** Issue a new refresh token on refresh and blacklist the old one (ROTATE_REFRESH_TOKENS). @default false */
  rotateRefreshTokens?: boolean;
  /** The clock tokens are issued and judged by, epoch ms. @default Date.now */
  now?: () => number;
}

/** Request counters of a {@linkcode SimpleJwtServer}. */
export interface SimpleJwtCounters {
  /** Successful logins. */
  logins: number;
  /** Rejected logins (400/401). */
  failedLogins: number;
  /** Successful refreshes. */
  refreshes: number;
  /** Rejected refreshes (401). */
  failedRefreshes: number;
  /** Verify requests (any answer). */
  verifies: number;
  /** API requests (any answer). */
  api: number;
  /** API requests answered 401. */
  api401: number;
}

/** A running SimpleJWT-style server. */
export interface SimpleJwtServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `POST` credentials here. */
  loginUrl: string;
  /** `POST {refresh}` here. */
  refreshUrl: string;
  /** `POST {token}` here. */
  verifyUrl: string;
  /** A protected resource: `GET` returns the caller's user name. */
  meUrl: string;
  /** Request counters. */
  counters: SimpleJwtCounters;
  /** Rejects this (access or refresh) token from now on, as SimpleJWT's blacklist app does. */
  blacklist(token: string): void;
  /** Stops the server. */
  close(): Promise<void>;
}

const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };

/**
 * Starts the server on 127.0.0.1, port 0.
 *
 * @param options Users, lifetimes, rotation and clock.
 * @returns The running server.
 */
export function startSimpleJwtServer(options: SimpleJwtServerOptions = {}): SimpleJwtServer {
  const users = options.users ?? { alice: "wonderland" };
  const accessLifetime = options.accessLifetime ?? 300;
  const refreshLifetime = options.refreshLifetime ?? 86400;
  const rotate = options.rotateRefreshTokens ?? false;
  const now = options.now ?? Date.now;
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const blacklisted = new Set<string>();
  const counters: SimpleJwtCounters = {
    logins: 0,
    failedLogins: 0,
    refreshes: 0,
    failedRefreshes: 0,
    verifies: 0,
    api: 0,
    api401: 0,
  };

  const sign = (type: "access" | "refresh", user: string) => {
    const iat = Math.floor(now() / 1000);
    return new SignJWT({ token_type: type, user_id: user })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt(iat)
      .setExpirationTime(iat + (type === "access" ? accessLifetime : refreshLifetime))
      .setJti(crypto.randomUUID())
      .sign(secret);
  };
  /** The user a valid token of `type` (or any type) names, else undefined. */
  const check = async (token: unknown, type?: string): Promise<string | undefined> => {
    if (typeof token !== "string" || blacklisted.has(token)) return undefined;
    try {
      const { payload } = await jwtVerify(token, secret, { currentDate: new Date(now()) });
      if (type !== undefined && payload.token_type !== type) return undefined;
      return payload.user_id as string;
    } catch {
      return undefined;
    }
  };
  const json = (body: unknown, status = 200, headers?: HeadersInit) =>
    Response.json(body, { status, headers });
  const readBody = async (request: Request): Promise<Record<string, unknown>> => {
    try {
      const body = await request.json();
      return body !== null && typeof body === "object" ? body : {};
    } catch {
      return {};
    }
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/api/me/") {
      counters.api++;
      await request.body?.cancel();
      const match = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "");
      const user = match === null ? undefined : await check(match[1], "access");
      if (user === undefined) {
        counters.api401++;
        const detail = match === null
          ? "Authentication credentials were not provided."
          : "Given token not valid for any token type";
        return json({ detail }, 401, { "www-authenticate": 'Bearer realm="api"' });
      }
      return json({ username: user });
    }
    if (request.method !== "POST") {
      await request.body?.cancel();
      return json({ detail: `Method "${request.method}" not allowed.` }, 405);
    }
    const body = await readBody(request);
    switch (path) {
      case "/api/token/": {
        const missing = ["username", "password"].filter((k) => typeof body[k] !== "string");
        if (missing.length > 0) {
          counters.failedLogins++;
          return json(
            Object.fromEntries(missing.map((k) => [k, ["This field is required."]])),
            400,
          );
        }
        const user = body.username as string;
        if (!Object.hasOwn(users, user) || users[user] !== body.password) {
          counters.failedLogins++;
          return json({ detail: "No active account found with the given credentials" }, 401);
        }
        counters.logins++;
        return json({ refresh: await sign("refresh", user), access: await sign("access", user) });
      }
      case "/api/token/refresh/": {
        if (typeof body.refresh !== "string") {
          counters.failedRefreshes++;
          return json({ refresh: ["This field is required."] }, 400);
        }
        const user = await check(body.refresh, "refresh");
        if (user === undefined) {
          counters.failedRefreshes++;
          return json(INVALID, 401);
        }
        counters.refreshes++;
        if (!rotate) return json({ access: await sign("access", user) });
        blacklisted.add(body.refresh);
        return json({ access: await sign("access", user), refresh: await sign("refresh", user) });
      }
      case "/api/token/verify/": {
        counters.verifies++;
        return (await check(body.token)) === undefined ? json(INVALID, 401) : json({});
      }
    }
    return json({ detail: "Not found." }, 404);
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    loginUrl: `${origin}/api/token/`,
    refreshUrl: `${origin}/api/token/refresh/`,
    verifyUrl: `${origin}/api/token/verify/`,
    meUrl: `${origin}/api/me/`,
    counters,
    blacklist(token: string) {
      blacklisted.add(token);
    },
    close: () => server.shutdown(),
  };
}
