import assert from "node:assert/strict";
import { startRedisServer } from "../peers/redis_server.ts";
import { startTokenServer } from "../peers/token_server.ts";

const program = new URL("../../examples/service_client.ts", import.meta.url).pathname;

/** Runs the example as its own process and returns its JSON lines. */
async function run(env: Record<string, string>): Promise<{ status: number; body: unknown }[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--lock=tests/deno.lock", program],
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return out.trim().split("\n").map((line) => JSON.parse(line));
}

Deno.test("examples/service_client.ts: two processes share one token through Redis, retry 500s and replay a 401", async (t) => {
  const redis = await startRedisServer();
  if (redis === undefined) {
    console.warn(
      "redis-server not found (apt-get install redis-server): service client example skipped",
    );
    await t.step({ name: "skipped: no redis-server", ignore: true, fn: () => {} });
    return;
  }
  let revokeNext = false;
  const server = startTokenServer({
    clientId: "orders",
    clientSecret: "orders-secret",
    // The first two token requests fail with 500; the example retries them with backoff.
    tokenHook: (_request, count) =>
      count <= 2 ? Response.json({ error: "server_error" }, { status: 500 }) : undefined,
    // Once asked, the API revokes the token it is shown: the next request gets a 401.
    apiHook: (request) => {
      if (revokeNext) {
        revokeNext = false;
        server.revoke(request.headers.get("authorization")!.slice("Bearer ".length));
      }
      return undefined;
    },
  });
  const env = {
    AUTHFETCH_TOKEN_URL: server.tokenUrl,
    AUTHFETCH_CLIENT_ID: "orders",
    AUTHFETCH_CLIENT_SECRET: "orders-secret",
    AUTHFETCH_API_URL: `${server.origin}/api/orders`,
    AUTHFETCH_RETRY_DELAY: "5",
    REDIS_URL: redis.url,
    CALLS: "2",
  };
  try {
    // Process 1: cold start; the token request fails twice with 500 and then succeeds.
    const first = await run(env);
    assert.deepEqual(first.map((r) => r.status), [200, 200]);
    assert.equal(server.stats.tokenRequests, 3);
    assert.equal(server.stats.grants.client_credentials, 1);

    // Process 2: takes the token from Redis (no token request); its first call meets a revoked token,
    // gets a 401, renews once and replays.
    revokeNext = true;
    const second = await run(env);
    assert.deepEqual(second.map((r) => r.status), [200, 200]);
    assert.equal(server.stats.api401, 1);
    assert.equal(server.stats.grants.client_credentials, 2);
    assert.equal(server.stats.tokenRequests, 4);
    assert.equal(server.stats.apiRequests, 5); // 2 + (401, replay, 1)
  } finally {
    await server.close();
    await redis.close();
  }
});
