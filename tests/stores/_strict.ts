/**
 * The strict multi-process scenarios: worker processes (`workers/strict_worker.ts`) hammer an API
 * through token sources sharing one store, against a token server that revokes a token family when a
 * refresh token is used twice, while the test injects one fault: a slow refresh, a SIGSTOP of the
 * lease holder at one of three points, failing writes, a corrupt or removed token file, a Redis
 * server killed and restarted empty. Each test asserts the counts the library can guarantee and
 * prints them (`STRICT_FIGURES=path` appends them there as JSON lines, for README's table).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  startStrictTokenServer,
  type StrictStats,
  type StrictTokenServer,
} from "../peers/strict_token_server.ts";
import { type RedisServer, startRedisServer } from "../peers/redis_server.ts";
import type { StrictWorkerConfig, StrictWorkerResult } from "./workers/strict_worker.ts";
import { spawnWorkerScript, type Worker } from "./_workers.ts";

const WORKER = new URL("./workers/strict_worker.ts", import.meta.url).pathname;

/** Processes per scenario. */
export const PROCESSES = 3;

/** A spawned strict worker. */
export type StrictWorker = Worker<StrictWorkerResult>;

/**
 * Starts one worker; `onMarker` hears its `@…` lines at once.
 *
 * @param config The worker's configuration.
 * @param onMarker Called with each marker line.
 * @returns The worker.
 */
export function spawnStrict(
  config: StrictWorkerConfig,
  onMarker: (marker: string) => void = () => {},
): StrictWorker {
  return spawnWorkerScript<StrictWorkerConfig, StrictWorkerResult>(WORKER, config, onMarker);
}

/**
 * Adds up the workers' results and the token server's counts, prints them as a `figures` line and
 * appends them to `$STRICT_FIGURES` when set.
 *
 * @param stats The token server's counts.
 * @param results The workers' results.
 * @param labels What the figures are of (store, scenario, run).
 * @returns The totals.
 */
export async function recordTotals(
  stats: StrictStats,
  results: StrictWorkerResult[],
  labels: Record<string, string | number>,
): Promise<Totals> {
  const totals: Totals = {
    ...stats,
    calls: results.reduce((n, r) => n + r.calls, 0),
    failures: results.reduce((n, r) => n + r.failures, 0),
    wrong: results.reduce((n, r) => n + r.wrong, 0),
    storeErrors: results.reduce((n, r) => n + r.storeErrors, 0),
    errors: results.flatMap((r) => r.errors),
  };
  const figures = { ...labels, ...totals };
  console.log(`figures ${JSON.stringify(figures)}`);
  const file = Deno.env.get("STRICT_FIGURES");
  if (file) await Deno.writeTextFile(file, JSON.stringify(figures) + "\n", { append: true });
  return totals;
}

/** The store kinds the scenarios run on. */
export type StrictKind = "file" | "kv" | "redis";

/** What a scenario's fault hook gets. */
export interface ScenarioContext {
  kind: StrictKind;
  workers: StrictWorker[];
  server: StrictTokenServer;
  /** The store's location (directory, database file, Redis URL). */
  location: string;
  /** A scratch directory of the scenario's own. */
  dir: string;
  /** The Redis server, for Redis scenarios. */
  redis?: RedisServer;
  /** Replaces the Redis server (after a kill) by a fresh, empty one on the same port. */
  restartRedis(): Promise<void>;
  /** The moment the workers were let go, ms since the epoch. */
  startedAt: number;
}

/** One scenario. */
export interface Scenario {
  name: string;
  kinds?: StrictKind[];
  /** Access token lifetime, s. @default 1.5 */
  expiresIn?: number;
  durationMs?: number;
  /** Per-worker extra configuration. */
  worker?: (index: number, dir: string) => Partial<StrictWorkerConfig>;
  delay?: (grantType: string) => number;
  onRequest?: (
    ctx: ScenarioContext,
    grantType: string,
    worker: string | null,
  ) => void | Promise<void>;
  onMarker?: (ctx: ScenarioContext, index: number, marker: string) => void;
  /** Runs alongside the workers. */
  during?: (ctx: ScenarioContext) => Promise<void>;
  /** Checks on the totals. */
  expect: (totals: Totals) => void;
}

/** A scenario's totals. */
export interface Totals extends StrictStats {
  calls: number;
  failures: number;
  wrong: number;
  storeErrors: number;
  errors: string[];
}

/** Sleeps `ms`. */
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let serial = 0;

/**
 * Registers the scenarios for one store kind.
 *
 * @param kind The store.
 * @param scenarios The scenarios.
 */
export async function strictTests(kind: StrictKind, scenarios: Scenario[]): Promise<void> {
  let redis = kind === "redis" ? await startRedisServer() : undefined;
  const skip = kind === "redis" && redis === undefined;
  if (skip) console.warn("redis-server not found (apt-get install redis-server): tests skipped");
  for (const scenario of scenarios) {
    if (scenario.kinds !== undefined && !scenario.kinds.includes(kind)) continue;
    Deno.test({
      name: `${kind} store, ${PROCESSES} processes, strict server: ${scenario.name}`,
      ignore: skip,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        const dir = await Deno.makeTempDir({ prefix: "authfetch-strict-" });
        const location = kind === "file"
          ? `${dir}/tokens`
          : kind === "kv"
          ? `${dir}/tokens.sqlite3`
          : redis!.url;
        if (kind === "redis") {
          // A clean database per scenario (default keys are the same in every scenario).
          await flushRedis(redis!.port);
        }
        const ctx: ScenarioContext = {
          kind,
          workers: [],
          location,
          dir,
          redis,
          server: undefined as unknown as StrictTokenServer,
          startedAt: 0,
          restartRedis: async () => {
            const port = redis!.port;
            for (let attempt = 0; attempt < 50; attempt++) {
              try {
                redis = await startRedisServer({ port });
                ctx.redis = redis;
                return;
              } catch {
                await pause(50);
              }
            }
            throw new Error("redis-server did not come back");
          },
        };
        const server = startStrictTokenServer({
          expiresIn: scenario.expiresIn ?? 1.5,
          delay: scenario.delay,
          onRequest: (grant, worker) => scenario.onRequest?.(ctx, grant, worker),
        });
        ctx.server = server;
        const id = ++serial;
        try {
          const base: StrictWorkerConfig = {
            store: kind,
            location,
            tokenUrl: server.tokenUrl,
            apiOrigin: server.origin,
            id: "",
            durationMs: scenario.durationMs ?? 3_000,
            concurrency: 2,
            leaseTtl: 800,
            leaseWait: 4_000,
            storeTimeout: 1_000,
          };
          ctx.workers = Array.from({ length: PROCESSES }, (_, i) =>
            spawnStrict(
              { ...base, id: String(i), ...scenario.worker?.(i, dir) },
              (marker) => scenario.onMarker?.(ctx, i, marker),
            ));
          await Promise.all(ctx.workers.map((w) => w.ready));
          ctx.startedAt = Date.now();
          await Promise.all(ctx.workers.map((w) => w.go()));
          const during = scenario.during?.(ctx);
          const results = await Promise.all(ctx.workers.map((w) => w.result));
          await during;
          const totals = await recordTotals(server.stats, results, {
            store: kind,
            scenario: scenario.name,
            run: id,
          });
          scenario.expect(totals);
        } finally {
          for (const worker of ctx.workers) {
            worker.kill("SIGCONT");
            worker.kill("SIGKILL");
          }
          await Promise.allSettled(ctx.workers.map((w) => w.result));
          await server.close();
          await Deno.remove(dir, { recursive: true }).catch(() => {});
        }
      },
    });
  }
  if (kind === "redis") {
    Deno.test({
      name: "strict redis scenarios: stop redis-server",
      ignore: skip,
      fn: () => redis!.close(),
    });
  }
}

async function flushRedis(port: number): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode("FLUSHALL\r\n"));
    await conn.read(new Uint8Array(64));
  } finally {
    conn.close();
  }
}

/**
 * Asserts the counts of a scenario where the library prevents every reuse and every failure.
 *
 * @param totals The totals.
 * @param initialGrants The most initial grants allowed.
 * @param refreshes Whether tokens must have been refreshed.
 */
export function clean(totals: Totals, initialGrants = 1, refreshes = true): void {
  assert.deepEqual(totals.errors, []);
  assert.equal(totals.failures, 0);
  assert.equal(totals.reuses, 0, "no refresh token used twice");
  assert.equal(totals.revocations, 0);
  assert.equal(totals.wrong + totals.apiWrongResource, 0, "no token for another user or resource");
  assert.ok(
    totals.initialGrants <= initialGrants,
    `initial grants: ${totals.initialGrants}, at most ${initialGrants}`,
  );
  if (refreshes) assert.ok(totals.refreshes >= 1, "tokens were refreshed");
}
