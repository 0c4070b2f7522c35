/**
 * The core's cross-runtime suite, shared by tests/node/core.test.ts (`node --test`, a `node:http`
 * server) and tests/bun/core.test.ts (`bun test`, `Bun.serve`): the token endpoint and API's logic,
 * free of any runtime's server API, and the test cases, written against `node:assert/strict`, which
 * Node, Bun and Deno all provide. Each runner puts the logic behind its own native server and
 * registers the cases with its own test framework. Only type-strippable TypeScript here (Node runs it
 * as it is).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  auth,
  clientCredentials,
  createFetch,
  type Handler,
  OAuthError,
  refreshToken,
  retry,
  timeout,
  TimeoutError,
  tokenSource,
} from "../../mod.ts";

/** The client the token endpoint knows. */
export const CLIENT = { clientId: "svc", clientSecret: "svc-secret" };

/** What the backend counts. */
export interface CoreStats {
  token: number;
  grants: Record<string, number>;
  api: number;
  api401: number;
  flaky: number;
}

/** A request as the backend sees it. */
export interface CoreRequest {
  path: string;
  authorization: string | null;
  contentType: string | null;
  /** The body's text, empty when there is none. */
  body: string;
}

/** A reply for the native server to send. */
export interface CoreReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The running server, as the cases see it. */
export interface CoreServer {
  origin: string;
  stats: CoreStats;
  /** The access tokens the API accepts. */
  live: Set<string>;
}

/** The backend: counters, live tokens and the reply to each request. */
export interface CoreBackend {
  stats: CoreStats;
  live: Set<string>;
  reply(request: CoreRequest): Promise<CoreReply>;
}

/**
 * A token endpoint (`/token`: client credentials and single-use refresh tokens, Basic client auth,
 * form bodies only) and an API (`/slow` answers after 500 ms, `/flaky` fails twice with 503 and
 * `Retry-After: 0`, `/moved` redirects, anything else wants a live Bearer token and echoes path and
 * body).
 *
 * @returns The backend.
 */
export function coreBackend(): CoreBackend {
  const live = new Set<string>();
  const refreshTokens = new Set<string>();
  const stats: CoreStats = { token: 0, grants: {}, api: 0, api401: 0, flaky: 0 };
  let serial = 0;
  const issue = () => {
    const accessToken = `at-${++serial}`;
    const refresh = `rt-${serial}`;
    live.add(accessToken);
    refreshTokens.add(refresh);
    return {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: refresh,
    };
  };
  const json = (status: number, value: unknown): CoreReply => ({
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(value),
  });
  const reply = async (request: CoreRequest): Promise<CoreReply> => {
    if (request.path === "/token") {
      stats.token++;
      if (request.authorization !== `Basic ${btoa("svc:svc-secret")}`) {
        return json(401, { error: "invalid_client" });
      }
      if (!String(request.contentType).startsWith("application/x-www-form-urlencoded")) {
        return json(400, { error: "invalid_request" });
      }
      const form = new URLSearchParams(request.body);
      const grant = form.get("grant_type")!;
      stats.grants[grant] = (stats.grants[grant] ?? 0) + 1;
      if (grant === "client_credentials") return json(200, issue());
      if (grant === "refresh_token" && refreshTokens.delete(form.get("refresh_token")!)) {
        return json(200, issue());
      }
      return json(400, { error: "invalid_grant" });
    }
    if (request.path === "/slow") {
      await new Promise((resolve) => setTimeout(resolve, 500));
      return { status: 200, headers: {}, body: "late" };
    }
    if (request.path === "/flaky" && stats.flaky++ < 2) {
      return { status: 503, headers: { "retry-after": "0" }, body: "busy" };
    }
    if (request.path === "/moved") {
      return { status: 302, headers: { location: "/api/after-redirect" }, body: "" };
    }
    stats.api++;
    const presented = (request.authorization ?? "").replace(/^Bearer /, "");
    if (!live.has(presented)) {
      stats.api401++;
      return {
        status: 401,
        headers: { "www-authenticate": 'Bearer error="invalid_token"' },
        body: "no",
      };
    }
    return json(200, { path: request.path, body: request.body === "" ? null : request.body });
  };
  return { stats, live, reply };
}

/** One test case. */
export interface CoreCase {
  name: string;
  fn: () => Promise<void>;
}

/**
 * The cases, to register with the runtime's test framework.
 *
 * @param server The running server (read when a case runs, after the framework's setup).
 * @returns The cases.
 */
export function coreCases(server: () => CoreServer): CoreCase[] {
  return [
    {
      name: "createFetch() runs handlers first-outermost and resolves against baseUrl",
      fn: async () => {
        const seen: string[] = [];
        const tag = (name: string): Handler => async (request, next) => {
          seen.push(`${name}>`);
          const response = await next(request);
          seen.push(`<${name}`);
          return response;
        };
        const api = createFetch([tag("a"), tag("b")], {
          baseUrl: `${server().origin}/api/`,
          fetch: () => Promise.resolve(new Response("ok")),
        });
        assert.equal(await (await api("x")).text(), "ok");
        assert.deepEqual(seen, ["a>", "b>", "<b", "<a"]);
      },
    },
    {
      name: "clientCredentials() + tokenSource() + auth(): one token for 50 concurrent calls",
      fn: async () => {
        const { origin, stats } = server();
        const before = stats.grants.client_credentials ?? 0;
        const tokens = tokenSource(clientCredentials({ tokenUrl: `${origin}/token`, ...CLIENT }));
        const api = createFetch([retry(), auth(tokens)], { baseUrl: `${origin}/api/` });
        const responses = await Promise.all(Array.from({ length: 50 }, () => api("orders")));
        assert.deepEqual(responses.map((r) => r.status), Array(50).fill(200));
        await Promise.all(responses.map((r) => r.body?.cancel()));
        assert.equal(stats.grants.client_credentials - before, 1);
      },
    },
    {
      name: "auth() renews once after a 401 and replays the request body",
      fn: async () => {
        const { origin, stats, live } = server();
        const tokens = tokenSource(clientCredentials({ tokenUrl: `${origin}/token`, ...CLIENT }));
        const api = createFetch([auth(tokens)], { baseUrl: `${origin}/api/` });
        const first = await tokens.getToken();
        live.delete(first.accessToken); // the API now refuses it
        const api401 = stats.api401;
        const cc = stats.grants.client_credentials;
        const response = await api("orders", { method: "POST", body: "payload" });
        assert.equal(response.status, 200);
        assert.equal((await response.json()).body, "payload");
        assert.equal(stats.api401 - api401, 1);
        assert.equal(stats.grants.client_credentials - cc, 1);
      },
    },
    {
      name: "auth() keeps the token on a same-origin redirect",
      fn: async () => {
        const { origin } = server();
        const tokens = tokenSource(clientCredentials({ tokenUrl: `${origin}/token`, ...CLIENT }));
        const api = createFetch([auth(tokens)]);
        const response = await api(`${origin}/moved`);
        assert.equal(response.status, 200);
        assert.equal((await response.json()).path, "/api/after-redirect");
      },
    },
    {
      name: "retry() retries 503 with Retry-After: 0",
      fn: async () => {
        const retried: number[] = [];
        const api = createFetch([retry({ retries: 3, onRetry: (e) => retried.push(e.status!) })]);
        const response = await api(`${server().origin}/flaky`, {
          headers: { authorization: "Bearer x" },
        });
        await response.body?.cancel();
        assert.deepEqual(retried, [503, 503]);
      },
    },
    {
      name: "timeout() rejects a slow attempt with TimeoutError",
      fn: async () => {
        const api = createFetch([timeout(50)]);
        await assert.rejects(api(`${server().origin}/slow`), TimeoutError);
      },
    },
    {
      name: "refreshToken() renews with the newest refresh token and rejects a spent one",
      fn: async () => {
        const tokenUrl = `${server().origin}/token`;
        const start = await tokenSource(clientCredentials({ tokenUrl, ...CLIENT })).getToken();
        const tokens = tokenSource(
          refreshToken({ tokenUrl, ...CLIENT, refreshToken: start.refreshToken! }),
        );
        const first = await tokens.getToken();
        const second = await tokens.getToken({ rejected: first.accessToken });
        assert.notEqual(second.accessToken, first.accessToken);
        const spent = tokenSource(
          refreshToken({ tokenUrl, ...CLIENT, refreshToken: start.refreshToken! }),
        );
        const error = await spent.getToken().catch((e) => e);
        assert.ok(error instanceof OAuthError);
        assert.equal(error.error, "invalid_grant");
        assert.ok(!String(error.message).includes(start.refreshToken!));
      },
    },
  ];
}
