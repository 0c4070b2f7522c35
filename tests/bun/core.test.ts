/**
 * The core under Bun: pipeline, handlers, token source, and the client-credentials and refresh-token
 * grants against a local server started with `Bun.serve`. Run with `bun test` in this directory
 * (tests/runtimes/bun_test.ts does it as part of `deno task test`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  auth,
  clientCredentials,
  createFetch,
  type Handler,
  OAuthError,
  refreshToken,
  retry,
  signState,
  timeout,
  TimeoutError,
  tokenSource,
  verifyState,
} from "../../mod.ts";

const CLIENT = { clientId: "svc", clientSecret: "svc-secret" };

/** A token endpoint and an API, with counters. */
function startServer() {
  const live = new Set<string>();
  const refreshTokens = new Set<string>();
  const stats = {
    token: 0,
    grants: {} as Record<string, number>,
    api: 0,
    api401: 0,
    flaky: 0,
  };
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
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/token") {
        stats.token++;
        const basic = request.headers.get("authorization");
        if (basic !== `Basic ${btoa("svc:svc-secret")}`) {
          return Response.json({ error: "invalid_client" }, { status: 401 });
        }
        const form = new URLSearchParams(await request.text());
        const grant = form.get("grant_type")!;
        stats.grants[grant] = (stats.grants[grant] ?? 0) + 1;
        if (grant === "client_credentials") return Response.json(issue());
        if (
          grant === "refresh_token" &&
          refreshTokens.delete(form.get("refresh_token")!)
        ) {
          return Response.json(issue());
        }
        return Response.json({ error: "invalid_grant" }, { status: 400 });
      }
      if (url.pathname === "/slow") {
        await Bun.sleep(500);
        return new Response("late");
      }
      if (url.pathname === "/flaky" && stats.flaky++ < 2) {
        return new Response("busy", {
          status: 503,
          headers: { "retry-after": "0" },
        });
      }
      if (url.pathname === "/moved") {
        return new Response(null, {
          status: 302,
          headers: { location: "/api/after-redirect" },
        });
      }
      stats.api++;
      const presented = (request.headers.get("authorization") ?? "").replace(
        /^Bearer /,
        "",
      );
      if (!live.has(presented)) {
        stats.api401++;
        return new Response("no", {
          status: 401,
          headers: { "www-authenticate": 'Bearer error="invalid_token"' },
        });
      }
      return Response.json({
        path: url.pathname,
        body: request.body ? await request.text() : null,
      });
    },
  });
  const origin = `http://127.0.0.1:${server.port}`;
  return { origin, stats, live, stop: () => server.stop(true) };
}

describe("authfetch core on Bun", () => {
  let server: ReturnType<typeof startServer>;
  beforeAll(() => {
    server = startServer();
  });
  afterAll(() => server.stop());

  test("createFetch() runs handlers first-outermost and resolves against baseUrl", async () => {
    const seen: string[] = [];
    const tag = (name: string): Handler => async (request, next) => {
      seen.push(`${name}>`);
      const response = await next(request);
      seen.push(`<${name}`);
      return response;
    };
    const api = createFetch([tag("a"), tag("b")], {
      baseUrl: `${server.origin}/api/`,
      fetch: () => Promise.resolve(new Response("ok")),
    });
    expect(await (await api("x")).text()).toBe("ok");
    expect(seen).toEqual(["a>", "b>", "<b", "<a"]);
  });

  test("clientCredentials() + tokenSource() + auth(): one token for 50 concurrent calls", async () => {
    const before = server.stats.grants.client_credentials ?? 0;
    const tokens = tokenSource(
      clientCredentials({ tokenUrl: `${server.origin}/token`, ...CLIENT }),
    );
    const api = createFetch([retry(), auth(tokens)], {
      baseUrl: `${server.origin}/api/`,
    });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => api("orders")),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    await Promise.all(responses.map((r) => r.body?.cancel()));
    expect(server.stats.grants.client_credentials - before).toBe(1);
  });

  test("auth() renews once after a 401 and replays the request body", async () => {
    const tokens = tokenSource(
      clientCredentials({ tokenUrl: `${server.origin}/token`, ...CLIENT }),
    );
    const api = createFetch([auth(tokens)], {
      baseUrl: `${server.origin}/api/`,
    });
    const first = await tokens.getToken();
    server.live.delete(first.accessToken); // the API now refuses it
    const before = {
      ...server.stats,
      cc: server.stats.grants.client_credentials,
    };
    const response = await api("orders", { method: "POST", body: "payload" });
    expect(response.status).toBe(200);
    expect((await response.json()).body).toBe("payload");
    expect(server.stats.api401 - before.api401).toBe(1);
    expect(server.stats.grants.client_credentials - before.cc).toBe(1);
  });

  test("auth() keeps the token on a same-origin redirect", async () => {
    const tokens = tokenSource(
      clientCredentials({ tokenUrl: `${server.origin}/token`, ...CLIENT }),
    );
    const api = createFetch([auth(tokens)]);
    const response = await api(`${server.origin}/moved`);
    expect(response.status).toBe(200);
    expect((await response.json()).path).toBe("/api/after-redirect");
  });

  test("retry() retries 503 with Retry-After: 0", async () => {
    const retried: number[] = [];
    const api = createFetch([
      retry({ retries: 3, onRetry: (e) => retried.push(e.status!) }),
    ]);
    const response = await api(`${server.origin}/flaky`, {
      headers: { authorization: "Bearer x" },
    });
    await response.body?.cancel();
    expect(retried).toEqual([503, 503]);
  });

  test("timeout() rejects a slow attempt with TimeoutError", async () => {
    const api = createFetch([timeout(50)]);
    await expect(api(`${server.origin}/slow`)).rejects.toBeInstanceOf(
      TimeoutError,
    );
  });

  test("refreshToken() renews with the newest refresh token and rejects a spent one", async () => {
    const start = await tokenSource(
      clientCredentials({ tokenUrl: `${server.origin}/token`, ...CLIENT }),
    )
      .getToken();
    const tokens = tokenSource(refreshToken({
      tokenUrl: `${server.origin}/token`,
      ...CLIENT,
      refreshToken: start.refreshToken!,
    }));
    const first = await tokens.getToken();
    const second = await tokens.getToken({ rejected: first.accessToken });
    expect(second.accessToken).not.toBe(first.accessToken);
    const spent = tokenSource(refreshToken({
      tokenUrl: `${server.origin}/token`,
      ...CLIENT,
      refreshToken: start.refreshToken!,
    }));
    const error = await spent.getToken().catch((e) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error.error).toBe("invalid_grant");
    expect(String(error.message)).not.toContain(start.refreshToken!);
  });
});

test("signState() and verifyState() load jose on first use", async () => {
  const options = {
    key: "k".repeat(32),
    clientId: "web",
    issuer: "https://as.example",
  };
  const state = await signState(options);
  expect(state.split(".").length).toBe(3);
  expect((await verifyState(state, options)).expiresAt).toBeGreaterThan(
    Date.now(),
  );
});
