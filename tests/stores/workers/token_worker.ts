/**
 * A worker process for cross-process store tests and the benchmark. Reads its configuration (JSON)
 * from the first argument, opens the store, prints `ready`, waits for a line on stdin, then:
 * - `cold`: `concurrency` concurrent API calls through `createFetch([auth(tokens)])`;
 * - `hammer`: `concurrency` loops of such API calls for `durationMs`;
 * - `cached`: measures the latency of `getToken()` on a cached token (`iterations` calls).
 * Prints one JSON line with the results and exits.
 *
 * @module
 */

import { auth, createFetch, password, tokenSource } from "../../../mod.ts";
import { openStore, type StoreKind } from "./open_store.ts";
import { readyThenWaitForGo } from "./handshake.ts";

/** The worker's configuration. */
export interface WorkerConfig {
  store: StoreKind;
  location?: string;
  tokenUrl: string;
  apiUrl: string;
  mode: "cold" | "hammer" | "cached";
  concurrency?: number;
  durationMs?: number;
  iterations?: number;
  leaseTtl?: number;
  leaseWait?: number;
  key?: string;
}

/** What the worker prints. */
export interface WorkerResult {
  calls: number;
  failures: number;
  errors: string[];
  elapsedMs: number;
  nsPerCall?: number;
}

const config = JSON.parse(Deno.args[0]) as WorkerConfig;
const opened = await openStore(config.store, config.location);
const tokens = tokenSource(
  password({
    tokenUrl: config.tokenUrl,
    clientId: "client",
    clientSecret: "secret",
    username: "alice",
    password: "pw",
  }),
  {
    store: opened.store,
    key: config.key ?? "shared",
    leaseTtl: config.leaseTtl,
    leaseWait: config.leaseWait,
    onRefreshError: (error) => {
      if (Deno.env.get("WORKER_DEBUG")) console.error("background refresh failed:", error);
    },
  },
);

const result: WorkerResult = { calls: 0, failures: 0, errors: [], elapsedMs: 0 };
const fail = (message: string) => {
  result.failures++;
  if (result.errors.length < 5) result.errors.push(message);
};

const api = createFetch([auth(tokens)]);

async function call(): Promise<void> {
  result.calls++;
  try {
    const response = await api(config.apiUrl);
    await response.body?.cancel();
    if (response.status !== 200) fail(`API answered ${response.status}`);
  } catch (error) {
    fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  }
}

await readyThenWaitForGo();

const started = performance.now();
const concurrency = config.concurrency ?? 1;
if (config.mode === "cold") {
  await Promise.all(Array.from({ length: concurrency }, call));
} else if (config.mode === "hammer") {
  const until = Date.now() + (config.durationMs ?? 1000);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      await call();
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 15));
    }
  }));
} else {
  await tokens.getToken();
  const iterations = config.iterations ?? 100_000;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await tokens.getToken();
  result.nsPerCall = ((performance.now() - t0) * 1e6) / iterations;
  result.calls = iterations;
}
result.elapsedMs = performance.now() - started;
console.log(JSON.stringify(result));
await opened.close().catch(() => {});
Deno.exit(0);
