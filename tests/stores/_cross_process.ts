import assert from "node:assert/strict";
import { startTokenServer, type TokenServer } from "../peers/token_server.ts";
import { startRedisServer } from "../peers/redis_server.ts";
import { runWorkers, spawnWorker, type WorkerConfig } from "./_workers.ts";
import type { StoreKind } from "./workers/open_store.ts";

const PROCESSES = 8;

interface Place {
  kind: StoreKind;
  location: string;
  cleanup(): Promise<void>;
}

let namespace = 0;

/** A fresh place for a store: its own directory, database file or Redis database prefix. */
async function place(kind: StoreKind, redisUrl: string): Promise<Place> {
  if (kind === "redis") {
    // Tests share the server; each passes its own key to the workers.
    return { kind, location: redisUrl, cleanup: () => Promise.resolve() };
  }
  const dir = await Deno.makeTempDir({ prefix: "authfetch-store-" });
  return {
    kind,
    location: kind === "kv" ? `${dir}/tokens.sqlite3` : dir,
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

/** A token endpoint that waits `delay` ms (abortably) before answering. */
function tokenServer(expiresIn: number, delay: () => number): TokenServer {
  return startTokenServer({
    expiresIn,
    tokenHook: (request) =>
      new Promise((resolve) => {
        const ms = delay();
        if (ms <= 0) return resolve(undefined);
        const onAbort = () => {
          clearTimeout(timer);
          resolve(new Response(null, { status: 499 }));
        };
        const timer = setTimeout(() => {
          request.signal.removeEventListener("abort", onAbort);
          resolve(undefined);
        }, ms);
        request.signal.addEventListener("abort", onAbort, { once: true });
      }),
  });
}

function config(p: Place, server: TokenServer, extra: Partial<WorkerConfig>): WorkerConfig {
  return {
    store: p.kind,
    location: p.location,
    tokenUrl: server.tokenUrl,
    apiUrl: `${server.origin}/api/data`,
    mode: "cold",
    key: `test-${Deno.pid}-${++namespace}`,
    ...extra,
  };
}

/**
 * Registers the cross-process tests for one store kind; for Redis, starts redis-server first (and
 * stops it in a last test), or skips with a message when it is not installed.
 *
 * @param kind The store.
 */
export async function crossProcessTests(kind: StoreKind): Promise<void> {
  const redis = kind === "redis" ? await startRedisServer() : undefined;
  const skip = kind === "redis" && redis === undefined;
  if (skip) {
    console.warn("redis-server not found (apt-get install redis-server): Redis tests skipped");
  }
  const redisUrl = redis?.url ?? "";
  Deno.test({
    name:
      `${kind} store: ${PROCESSES} processes × 50 concurrent cold requests make 1 token request`,
    ignore: skip,
    async fn() {
      const p = await place(kind, redisUrl);
      const server = tokenServer(60, () => 150);
      try {
        const base = config(p, server, { mode: "cold", concurrency: 50 });
        const results = await runWorkers(Array.from({ length: PROCESSES }, () => base));
        assert.deepEqual(results.flatMap((r) => r.errors), []);
        assert.equal(results.reduce((n, r) => n + r.calls, 0), PROCESSES * 50);
        assert.equal(server.stats.tokenRequests, 1);
      } finally {
        await server.close();
        await p.cleanup();
      }
    },
  });

  Deno.test({
    name:
      `${kind} store: rotating refresh tokens across ${PROCESSES} processes and several expiries ` +
      "give no invalid_grant and no failed request",
    ignore: skip,
    async fn() {
      const p = await place(kind, redisUrl);
      const server = tokenServer(1.5, () => 20);
      try {
        const base = config(p, server, { mode: "hammer", concurrency: 4, durationMs: 4_200 });
        const results = await runWorkers(Array.from({ length: PROCESSES }, () => base));
        assert.deepEqual(results.flatMap((r) => r.errors), []);
        assert.equal(server.stats.invalidGrant, 0);
        assert.equal(server.stats.grants.password, 1);
        // 4.2 s of 1.5 s tokens: about 3 refreshes in all, not 3 per process. (A request that meets
        // a token expiring in flight is answered 401 and replayed once with the next token by auth().)
        const refreshes = server.stats.grants.refresh_token ?? 0;
        assert.ok(
          refreshes >= 2 && refreshes <= 8,
          `refreshes: ${refreshes}, API 401s replayed: ${server.stats.api401}`,
        );
      } finally {
        await server.close();
        await p.cleanup();
      }
    },
  });

  Deno.test({
    name: `${kind} store: a lease holder killed mid-refresh is taken over after the lease TTL`,
    ignore: skip,
    async fn() {
      const p = await place(kind, redisUrl);
      let delay = 30_000;
      const server = tokenServer(60, () => delay);
      try {
        const base = config(p, server, {
          mode: "cold",
          concurrency: 5,
          leaseTtl: 400,
          leaseWait: 10_000,
        });
        const holder = spawnWorker(base);
        await holder.ready;
        await holder.go();
        while (server.stats.tokenRequests === 0) await new Promise((r) => setTimeout(r, 10));
        // The holder is inside its token request; a second process waits for it.
        const waiter = spawnWorker(base);
        await waiter.ready;
        await waiter.go();
        delay = 0;
        const killedAt = Date.now();
        holder.kill("SIGKILL");
        assert.equal((await holder.status).signal, "SIGKILL");
        const result = await waiter.result;
        assert.deepEqual(result.errors, []);
        assert.equal(server.stats.tokenRequests, 2);
        assert.ok(Date.now() - killedAt < 5_000, "the waiter took over within seconds");
      } finally {
        await server.close();
        await p.cleanup();
      }
    },
  });

  if (redis !== undefined) {
    Deno.test(`${kind} store cross-process tests: stop redis-server`, () => redis.close());
  }
}
