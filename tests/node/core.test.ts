/**
 * The core under Node 22+ (type stripping): pipeline, handlers, token source, and the
 * client-credentials and refresh-token grants against a local `node:http` server. Run with
 * `node --import ./resolve_jose.mjs --test core.test.ts` in this directory (tests/runtimes/node_test.ts
 * does it as part of `deno task test`).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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

const CLIENT = { clientId: "svc", clientSecret: "svc-secret" };

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (text += chunk));
    request.on("end", () => resolve(text));
    request.on("error", reject);
  });
}

/** A token endpoint and an API on node:http, with counters. */
async function startServer() {
  const live = new Set<string>();
  const refreshTokens = new Set<string>();
  const stats = { token: 0, grants: {} as Record<string, number>, api: 0, api401: 0, flaky: 0 };
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
  const server: Server = createServer(async (request, response) => {
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(JSON.stringify(value));
    };
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const body = await readBody(request);
    if (url.pathname === "/token") {
      stats.token++;
      if (request.headers.authorization !== `Basic ${btoa("svc:svc-secret")}`) {
        return json(401, { error: "invalid_client" });
      }
      if (
        !String(request.headers["content-type"]).startsWith("application/x-www-form-urlencoded")
      ) {
        return json(400, { error: "invalid_request" });
      }
      const form = new URLSearchParams(body);
      const grant = form.get("grant_type")!;
      stats.grants[grant] = (stats.grants[grant] ?? 0) + 1;
      if (grant === "client_credentials") return json(200, issue());
      if (grant === "refresh_token" && refreshTokens.delete(form.get("refresh_token")!)) {
        return json(200, issue());
      }
      return json(400, { error: "invalid_grant" });
    }
    if (url.pathname === "/slow") {
      setTimeout(() => response.end("late"), 500);
      return;
    }
    if (url.pathname === "/flaky" && stats.flaky++ < 2) {
      response.writeHead(503, { "retry-after": "0" });
      return response.end("busy");
    }
    if (url.pathname === "/moved") {
      response.writeHead(302, { location: "/api/after-redirect" });
      return response.end();
    }
    stats.api++;
    const presented = (request.headers.authorization ?? "").replace(/^Bearer /, "");
    if (!live.has(presented)) {
      stats.api401++;
      response.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"' });
      return response.end("no");
    }
    json(200, { path: url.pathname, body: body === "" ? null : body });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { origin, stats, live, stop };
}

describe(`authfetch core on Node ${process.version}`, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

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
    assert.equal(await (await api("x")).text(), "ok");
    assert.deepEqual(seen, ["a>", "b>", "<b", "<a"]);
  });

  test("clientCredentials() + tokenSource() + auth(): one token for 50 concurrent calls", async () => {
    const before = server.stats.grants.client_credentials ?? 0;
    const tokens = tokenSource(
      clientCredentials({ tokenUrl: `${server.origin}/token`, ...CLIENT }),
    );
    const api = createFetch([retry(), auth(tokens)], { baseUrl: `${server.origin}/api/` });
    const responses = await Promise.all(Array.from({ length: 50 }, () => api("orders")));
    assert.deepEqual(responses.map((r) => r.status), Array(50).fill(200));
    await Promise.all(responses.map((r) => r.body?.cancel()));
    assert.equal(server.stats.grants.client_credentials - before, 1);
  });

  test("auth() renews once after a 401 and replays the request body", async () => {
    const tokens = tokenSource(
      clientCredentials({ tokenUrl: `${server.origin}/token`, ...CLIENT }),
    );
    const api = createFetch([auth(tokens)], { baseUrl: `${server.origin}/api/` });
    const first = await tokens.getToken();
    server.live.delete(first.accessToken); // the API now refuses it
    const api401 = server.stats.api401;
    const cc = server.stats.grants.client_credentials;
    const response = await api("orders", { method: "POST", body: "payload" });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).body, "payload");
    assert.equal(server.stats.api401 - api401, 1);
    assert.equal(server.stats.grants.client_credentials - cc, 1);
  });

  test("auth() keeps the token on a same-origin redirect", async () => {
    const tokens = tokenSource(
      clientCredentials({ tokenUrl: `${server.origin}/token`, ...CLIENT }),
    );
    const api = createFetch([auth(tokens)]);
    const response = await api(`${server.origin}/moved`);
    assert.equal(response.status, 200);
    assert.equal((await response.json()).path, "/api/after-redirect");
  });

  test("retry() retries 503 with Retry-After: 0", async () => {
    const retried: number[] = [];
    const api = createFetch([retry({ retries: 3, onRetry: (e) => retried.push(e.status!) })]);
    const response = await api(`${server.origin}/flaky`, {
      headers: { authorization: "Bearer x" },
    });
    await response.body?.cancel();
    assert.deepEqual(retried, [503, 503]);
  });

  test("timeout() rejects a slow attempt with TimeoutError", async () => {
    const api = createFetch([timeout(50)]);
    await assert.rejects(api(`${server.origin}/slow`), TimeoutError);
  });

  test("refreshToken() renews with the newest refresh token and rejects a spent one", async () => {
    const start = await tokenSource(
      clientCredentials({ tokenUrl: `${server.origin}/token`, ...CLIENT }),
    ).getToken();
    const tokens = tokenSource(refreshToken({
      tokenUrl: `${server.origin}/token`,
      ...CLIENT,
      refreshToken: start.refreshToken!,
    }));
    const first = await tokens.getToken();
    const second = await tokens.getToken({ rejected: first.accessToken });
    assert.notEqual(second.accessToken, first.accessToken);
    const spent = tokenSource(refreshToken({
      tokenUrl: `${server.origin}/token`,
      ...CLIENT,
      refreshToken: start.refreshToken!,
    }));
    const error = await spent.getToken().catch((e) => e);
    assert.ok(error instanceof OAuthError);
    assert.equal(error.error, "invalid_grant");
    assert.ok(!String(error.message).includes(start.refreshToken!));
  });
});
