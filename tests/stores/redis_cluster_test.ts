import assert from "node:assert/strict";
import { password } from "../../mod.ts";
import { startStrictTokenServer } from "../peers/strict_token_server.ts";
import { startRedisCluster } from "../peers/redis_cluster.ts";
import { clean, PROCESSES, recordTotals, spawnStrict, type Totals } from "./_strict.ts";

const cluster = await startRedisCluster().catch((error) => {
  console.warn(`Redis Cluster did not start: ${error}`);
  return undefined;
});
if (cluster === undefined) {
  console.warn("redis-server/redis-cli missing: Redis Cluster tests skipped");
}

/** Runs PROCESSES workers on the cluster for `durationMs`; `during` runs alongside. */
async function run(
  name: string,
  durationMs: number,
  onRefresh?: () => void,
  client: "redis-cluster" | "ioredis-cluster" = "redis-cluster",
): Promise<Totals> {
  const server = startStrictTokenServer({
    expiresIn: 1.5,
    onRequest: (grant) => grant === "refresh_token" ? onRefresh?.() : undefined,
  });
  tokenUrl = server.tokenUrl;
  try {
    const workers = Array.from({ length: PROCESSES }, (_, i) =>
      spawnStrict({
        store: client,
        location: cluster!.urls.join(","),
        tokenUrl: server.tokenUrl,
        apiOrigin: server.origin,
        id: String(i),
        durationMs,
        concurrency: 2,
        leaseTtl: 800,
        leaseWait: 4_000,
        storeTimeout: 1_000,
      }));
    try {
      await Promise.all(workers.map((w) => w.ready));
      await Promise.all(workers.map((w) => w.go()));
      const results = await Promise.all(workers.map((w) => w.result));
      return await recordTotals(server.stats, results, { store: client, scenario: name });
    } finally {
      for (const worker of workers) worker.kill("SIGKILL");
      await Promise.allSettled(workers.map((w) => w.result));
    }
  } finally {
    await server.close();
  }
}

let tokenUrl = "";

/** The slot of the token the workers share: its default key names the running server's endpoint. */
async function tokenSlot(): Promise<number> {
  const { key } = password({
    tokenUrl,
    clientId: "client",
    clientSecret: "secret",
    username: "alice",
    password: "pw",
  });
  const name = `authfetch:{${key}}:token`;
  const reply = await cluster!.command([...cluster!.nodes.keys()][0], "CLUSTER", "KEYSLOT", name);
  return Number(reply.trim());
}

Deno.test({
  name:
    "Redis Cluster refuses a script over the old key names (CROSSSLOT); a token's new names share a slot",
  ignore: cluster === undefined,
  async fn() {
    const port = [...cluster!.nodes.keys()][0];
    const script = ["EVAL", "return redis.call('GET', KEYS[1])", "2"];
    const old = await cluster!.command(
      port,
      "-c",
      ...script,
      "authfetch:lease:k",
      "authfetch:token:k",
    );
    assert.match(old, /CROSSSLOT/);
    const slots = await Promise.all(
      ["authfetch:{k}:lease", "authfetch:{k}:token"].map((name) =>
        cluster!.command(port, "CLUSTER", "KEYSLOT", name)
      ),
    );
    assert.equal(slots[0], slots[1]);
    const fine = await cluster!.command(
      port,
      "-c",
      ...script,
      "authfetch:{k}:lease",
      "authfetch:{k}:token",
    );
    assert.doesNotMatch(fine, /CROSSSLOT|ERR/);
  },
});

Deno.test({
  name: `RedisStore on a Redis Cluster (3 primaries + 3 replicas), ${PROCESSES} processes, ` +
    "strict server: every script runs in one slot, one refresh per expiry",
  ignore: cluster === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const totals = await run("steady state, 1.5 s tokens", 3_000);
    clean(totals);
  },
});

Deno.test({
  name: `RedisStore over an ioredis Cluster (fromIoredisCluster), ${PROCESSES} processes, ` +
    "strict server: one refresh per expiry",
  ignore: cluster === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    clean(await run("steady state, 1.5 s tokens, ioredis", 3_000, undefined, "ioredis-cluster"));
  },
});

Deno.test({
  name: `RedisStore on a Redis Cluster: the primary holding the token killed mid-run fails over ` +
    "to its replica without a failed request",
  ignore: cluster === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    let failover: Promise<number> | undefined;
    const totals = await run("the token's primary killed mid-refresh (failover)", 6_000, () => {
      // At the first refresh request: the holder has the lease and will write to this primary.
      failover ??= (async () => {
        const victim = await cluster!.primaryOf(await tokenSlot());
        await cluster!.kill(victim);
        await cluster!.settled();
        return victim;
      })();
    });
    const victim = await failover!;
    assert.notEqual(await cluster!.primaryOf(await tokenSlot()), victim, "a replica took over");
    assert.deepEqual(totals.errors, []);
    assert.equal(totals.failures, 0);
    // A failover can lose the last write (replication is asynchronous): the store then holds the
    // token before it, whose refresh token was spent. At most one reuse and one re-login follow.
    assert.ok(totals.reuses <= 1, `reuses: ${totals.reuses}`);
    assert.ok(totals.initialGrants <= 1 + PROCESSES, `initial grants: ${totals.initialGrants}`);
  },
});

Deno.test({
  name: "Redis Cluster tests: stop the cluster",
  ignore: cluster === undefined,
  fn: () => cluster!.close(),
});
