import assert from "node:assert/strict";
import {
  auth,
  clientCredentials,
  createFetch,
  existingToken,
  type Fetch,
  type Grant,
  retry,
  TokenResponseError,
  type TokenSource,
  tokenSource,
} from "../../mod.ts";
import { startTokenServer } from "../peers/token_server.ts";

const fixed = (accessToken: string): TokenSource => ({
  getToken: () => Promise.resolve({ accessToken, tokenType: "Bearer" }),
});

function recorder() {
  const seen: Array<{ url: string; auth: string | null }> = [];
  const fetch: Fetch = (input, init) => {
    const request = new Request(input, init);
    seen.push({ url: request.url, auth: request.headers.get("authorization") });
    return Promise.resolve(new Response("ok"));
  };
  return { seen, fetch };
}

Deno.test("auth() sends the token to https: and loopback http:, never to other plain http:", async () => {
  const { seen, fetch } = recorder();
  const api = createFetch([auth(fixed("tok"))], { fetch });
  await api("https://api.example/");
  await api("http://127.0.0.1:8080/");
  await api("http://localhost/");
  await api("http://api.example/");
  assert.deepEqual(seen.map((s) => s.auth), ["Bearer tok", "Bearer tok", "Bearer tok", null]);
});

Deno.test("auth() with origins sends the token only to those origins", async () => {
  const { seen, fetch } = recorder();
  const api = createFetch([
    auth(fixed("tok"), { origins: ["https://api.example", "http://intranet.local:8080"] }),
  ], {
    fetch,
  });
  await api("https://api.example/x");
  await api("https://other.example/x");
  await api("http://intranet.local:8080/x");
  await api("https://api.example:8443/x");
  assert.deepEqual(seen.map((s) => s.auth), ["Bearer tok", null, "Bearer tok", null]);
  assert.throws(() => auth(fixed("t"), { origins: ["not a url"] }), TypeError);
});

Deno.test("auth() sends no token to a foreign origin after a 302", async () => {
  const seen: Array<[string, string | null]> = [];
  const fetch: Fetch = (input, init) => {
    const request = new Request(input, init);
    seen.push([new URL(request.url).host, request.headers.get("authorization")]);
    if (request.url.startsWith("https://api.example")) {
      return Promise.resolve(
        new Response(null, { status: 302, headers: { location: "https://evil.example/steal" } }),
      );
    }
    return Promise.resolve(new Response("ok"));
  };
  const api = createFetch([auth(fixed("tok"))], { fetch });
  assert.equal(await (await api("https://api.example/")).text(), "ok");
  assert.deepEqual(seen, [["api.example", "Bearer tok"], ["evil.example", null]]);
});

Deno.test("auth() refreshes once on a 401 and returns a second 401 as it is", async () => {
  const server = startTokenServer();
  try {
    const tokens = tokenSource(
      clientCredentials({ tokenUrl: server.tokenUrl, clientId: "client", clientSecret: "secret" }),
    );
    const api = createFetch([auth(tokens)]);
    const first = await tokens.getToken();
    server.revoke(first.accessToken);
    const response = await api(`${server.origin}/api/x`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
    assert.equal(server.stats.tokenRequests, 2);

    // A token source that cannot produce another token: the 401 comes back once, no loop.
    const stuck = tokenSource(existingToken({ accessToken: "unknown" }));
    const denied = await createFetch([auth(stuck)])(`${server.origin}/api/y`);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
  } finally {
    await server.close();
  }
});

Deno.test("auth() sends a POST stream body once and hands the 401 back, with a new token for the next call", async () => {
  const server = startTokenServer();
  try {
    const tokens = tokenSource(
      clientCredentials({ tokenUrl: server.tokenUrl, clientId: "client", clientSecret: "secret" }),
    );
    server.revoke((await tokens.getToken()).accessToken);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("streamed "));
        controller.enqueue(new TextEncoder().encode("payload"));
        controller.close();
      },
    });
    const api = createFetch([auth(tokens)]);
    const rejected = (await tokens.getToken()).accessToken;
    const response = await api(
      `${server.origin}/api/upload`,
      { method: "POST", body, duplex: "half" } as RequestInit,
    );
    assert.equal(response.status, 401);
    await response.body?.cancel();
    assert.deepEqual(server.bodies, ["streamed payload"]);
    assert.notEqual((await tokens.getToken()).accessToken, rejected);
    const next = await api(`${server.origin}/api/upload`, { method: "POST", body: "again" });
    assert.equal(next.status, 200);
    await next.body?.cancel();
    assert.deepEqual(server.bodies, ["streamed payload", "again"]);
  } finally {
    await server.close();
  }
});

Deno.test("auth() turns a 401 storm of 1,000 concurrent requests into exactly 1 refresh", async () => {
  const server = startTokenServer();
  try {
    const tokens = tokenSource(
      clientCredentials({ tokenUrl: server.tokenUrl, clientId: "client", clientSecret: "secret" }),
    );
    const first = await tokens.getToken();
    server.revoke(first.accessToken);
    const api = createFetch([retry(), auth(tokens)]);
    const statuses = await Promise.all(Array.from({ length: 1000 }, async (_, i) => {
      const response = await api(`${server.origin}/api/${i}`);
      await response.body?.cancel();
      return response.status;
    }));
    assert.ok(statuses.every((s) => s === 200), "all succeed");
    assert.equal(server.stats.tokenRequests, 2, "the initial token plus exactly one refresh");
  } finally {
    await server.close();
  }
});

Deno.test("auth() with proactive refresh: 2 s tokens over 6 s of requests, zero 401s", async () => {
  const clock = { t: Date.now() };
  const now = () => clock.t;
  const server = startTokenServer({ expiresIn: 2, now });
  try {
    const tokens = tokenSource(
      clientCredentials({
        tokenUrl: server.tokenUrl,
        clientId: "client",
        clientSecret: "secret",
        now,
      }),
      { now },
    );
    const api = createFetch([retry(), auth(tokens)]);
    const end = clock.t + 6_000;
    while (clock.t < end) {
      const batch = await Promise.all(
        Array.from({ length: 8 }, () => api(`${server.origin}/api/tick`)),
      );
      for (const r of batch) {
        assert.equal(r.status, 200);
        await r.body?.cancel();
      }
      clock.t += 50;
    }
    assert.equal(server.stats.api401, 0);
    assert.ok(
      server.stats.tokenRequests >= 3 && server.stats.tokenRequests <= 7,
      `${server.stats.tokenRequests}`,
    );
  } finally {
    await server.close();
  }
});

Deno.test("auth() leaves the caller's own Authorization alone only with keepExisting", async () => {
  const { seen, fetch } = recorder();
  const grant: Grant = {
    token: () => Promise.resolve({ accessToken: "managed", tokenType: "Bearer" }),
  };
  const tokens = tokenSource(grant);
  await createFetch([auth(tokens, { keepExisting: true })], { fetch })("https://a.example/", {
    headers: { authorization: "Basic mine" },
  });
  await createFetch([auth(tokens)], { fetch })("https://a.example/", {
    headers: { authorization: "Basic mine" },
  });
  assert.deepEqual(seen.map((s) => s.auth), ["Basic mine", "Bearer managed"]);
});

Deno.test("auth() makes 1,000 concurrent cold requests over HTTP cause exactly 1 token request", async () => {
  const server = startTokenServer({ tokenDelay: 20 });
  try {
    const tokens = tokenSource(
      clientCredentials({ tokenUrl: server.tokenUrl, clientId: "client", clientSecret: "secret" }),
    );
    const api = createFetch([retry(), auth(tokens)]);
    const statuses = await Promise.all(Array.from({ length: 1000 }, async (_, i) => {
      const response = await api(`${server.origin}/api/cold/${i}`);
      await response.body?.cancel();
      return response.status;
    }));
    assert.ok(statuses.every((s) => s === 200));
    assert.equal(server.stats.tokenRequests, 1);
  } finally {
    await server.close();
  }
});

Deno.test("auth() refuses a token that cannot be a header value, without quoting it or sending anything", async () => {
  let sent = 0;
  const tokens = {
    getToken: () =>
      Promise.resolve({ accessToken: "leaky token\r\nx-evil: 1", tokenType: "Bearer" }),
  };
  const api = createFetch([auth(tokens)], {
    fetch: () => {
      sent++;
      return Promise.resolve(new Response("ok"));
    },
  });
  const error = await api("https://api.example.com/x").then(
    () => assert.fail("an unfit token was sent"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof TokenResponseError, `got ${error}`);
  assert.match(error.message, /line break/);
  assert.doesNotMatch(error.message, /leaky/);
  assert.equal(sent, 0);
});
