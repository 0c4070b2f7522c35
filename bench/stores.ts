/**
 * Token stores across processes: token requests per expiry with N processes sharing a store
 * (MemoryStore = no sharing, the baseline of N), and the added latency of a cached-token `getToken()`
 * with each store (the cached path must not touch the store).
 *
 * Run: `deno run -A bench/stores.ts [processes]` (starts its own token server and redis-server).
 *
 * @module
 */

import { password, tokenSource, type TokenStore } from "../mod.ts";
import { startTokenServer } from "../tests/peers/token_server.ts";
import { startRedisServer } from "../tests/peers/redis_server.ts";
import { runWorkers } from "../tests/stores/_workers.ts";
import { openStore, type StoreKind } from "../tests/stores/workers/open_store.ts";

const PROCESSES = Number(Deno.args[0] ?? 8);
const LIFETIME = 1.5; // s
const RUN = 3_000; // ms: the cold start plus two refreshes

const redis = await startRedisServer();
const dir = await Deno.makeTempDir({ prefix: "authfetch-bench-" });
const kinds: StoreKind[] = ["memory", "file", "kv", ...(redis ? ["redis" as const] : [])];
const location = (kind: StoreKind) =>
  kind === "file" ? `${dir}/files` : kind === "kv" ? `${dir}/kv.sqlite3` : redis?.url ?? "";

interface Row {
  store: string;
  cold: number;
  perExpiry: number;
  failures: number;
  cachedNs: number;
  storeCalls: number;
}
const rows: Row[] = [];
let baselineNs = 0;

for (const kind of kinds) {
  // 1. N processes hammering through the cold start and two refreshes.
  const server = startTokenServer({ expiresIn: LIFETIME, tokenDelay: 20 });
  const results = await runWorkers(Array.from({ length: PROCESSES }, () => ({
    store: kind,
    location: location(kind),
    tokenUrl: server.tokenUrl,
    apiUrl: `${server.origin}/api/bench`,
    mode: "hammer" as const,
    concurrency: 4,
    durationMs: RUN,
    key: `bench-${kind}`,
  })));
  const cold = server.stats.grants.password ?? 0;
  const refreshes = server.stats.grants.refresh_token ?? 0;
  await server.close();

  // 2. Cached-token latency in this process, counting store calls on the cached path.
  const opened = await openStore(kind, location(kind));
  let calls = 0;
  const counted: TokenStore = {
    get: (k) => (calls++, opened.store.get(k)),
    set: (k, t) => (calls++, opened.store.set(k, t)),
    delete: (k) => (calls++, opened.store.delete(k)),
    acquire: (k, ttl) => (calls++, opened.store.acquire!(k, ttl)),
  };
  const local = startTokenServer({ expiresIn: 3600 });
  const tokens = tokenSource(
    password({
      tokenUrl: local.tokenUrl,
      clientId: "client",
      clientSecret: "secret",
      username: "alice",
      password: "pw",
    }),
    { store: counted, key: `cached-${kind}` },
  );
  await tokens.getToken();
  calls = 0;
  const iterations = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await tokens.getToken();
  const ns = (performance.now() - t0) * 1e6 / iterations;
  await local.close();
  await opened.close();
  if (kind === "memory") baselineNs = ns;
  rows.push({
    store: kind,
    cold,
    perExpiry: refreshes / 2,
    failures: results.reduce((n, r) => n + r.failures, 0),
    cachedNs: ns,
    storeCalls: calls,
  });
}

await redis?.close();
await Deno.remove(dir, { recursive: true });

const name = (k: string) =>
  ({ memory: "MemoryStore", file: "FileStore", kv: "KvStore", redis: "RedisStore" })[k] ?? k;
console.log(
  `\nToken stores, ${PROCESSES} processes × 4 request loops, ${LIFETIME} s tokens, ${RUN} ms` +
    (redis ? "" : " (redis-server not found: RedisStore skipped)"),
);
console.log(
  "| store | token requests, cold start | token requests per expiry | failed requests | cached getToken() | vs MemoryStore | store calls on cached path |",
);
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${name(r.store)} | ${r.cold} | ${r.perExpiry} | ${r.failures} | ${
      r.cachedNs.toFixed(0)
    } ns | ${r.cachedNs - baselineNs >= 0 ? "+" : ""}${
      (r.cachedNs - baselineNs).toFixed(0)
    } ns | ${r.storeCalls} |`,
  );
}
