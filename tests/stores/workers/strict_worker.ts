/**
 * A worker process for the strict multi-process store tests. Reads its configuration (JSON) from the
 * first argument, opens the store, prints `ready`, waits for a line on stdin, then runs
 * `concurrency` loops of API calls through `createFetch([auth(tokens)])` for `durationMs`, over one
 * token source per user × resource (default store keys, one shared store). Fault hooks print a marker
 * line (`@leased`, `@writing`) the first time they are reached and pause there `pauseMs`, so the test
 * can SIGSTOP the process at that point. Prints one JSON line with its counts and exits.
 *
 * @module
 */

import {
  auth,
  createFetch,
  password,
  type Token,
  tokenSource,
  type TokenStore,
} from "../../../mod.ts";
import { FileStore } from "../../../src/stores/file.ts";
import { KvStore } from "../../../src/stores/kv.ts";
import { fromIoredisCluster, fromNodeRedisCluster, RedisStore } from "../../../src/stores/redis.ts";
import { readyThenWaitForGo } from "./handshake.ts";

/** The worker's configuration. */
export interface StrictWorkerConfig {
  store: "file" | "kv" | "redis" | "redis-cluster" | "ioredis-cluster";
  /** Directory (file), database path (kv), URL (redis) or comma-separated URLs (redis-cluster). */
  location: string;
  tokenUrl: string;
  apiOrigin: string;
  id: string;
  users?: string[];
  resources?: string[];
  concurrency?: number;
  durationMs?: number;
  leaseTtl?: number;
  leaseWait?: number;
  refreshBefore?: number;
  storeTimeout?: number;
  /**
   * Pause (and print a marker) the first time a refresh's lease is checked right before its request
   * is sent (`leased`), or its token is about to be written (`writing`).
   */
  pauseAt?: "leased" | "writing";
  pauseMs?: number;
  /** While this file exists, token writes fail (a full disk, a read-only store). */
  failWritesFile?: string;
}

/** What the worker prints. */
export interface StrictWorkerResult {
  calls: number;
  failures: number;
  errors: string[];
  /** Answers for another user or resource than asked for. */
  wrong: number;
  storeErrors: number;
}

const config = JSON.parse(Deno.args[0]) as StrictWorkerConfig;
const result: StrictWorkerResult = { calls: 0, failures: 0, errors: [], wrong: 0, storeErrors: 0 };
const fail = (message: string) => {
  result.failures++;
  if (result.errors.length < 5) result.errors.push(message);
};

let closeStore: () => Promise<void> = () => Promise.resolve();
async function open(): Promise<TokenStore> {
  switch (config.store) {
    case "file":
      return new FileStore({ directory: config.location });
    case "kv": {
      const store = new KvStore(config.location);
      closeStore = () => Promise.resolve(store.close());
      return store;
    }
    case "redis": {
      const { createClient } = await import("npm:redis@^5.8.0");
      const client = createClient({ url: config.location });
      client.on("error", () => {}); // reconnects by itself; the store reports failed commands
      await client.connect();
      closeStore = async () => void await client.quit().catch(() => {});
      return new RedisStore(client);
    }
    case "redis-cluster": {
      const { createCluster } = await import("npm:redis@^5.8.0");
      const cluster = createCluster({
        rootNodes: config.location.split(",").map((url) => ({ url })),
        defaults: { socket: { connectTimeout: 1000 } },
      });
      cluster.on("error", () => {});
      await cluster.connect();
      closeStore = async () => void await cluster.close().catch(() => {});
      return new RedisStore(fromNodeRedisCluster(cluster as never));
    }
    case "ioredis-cluster": {
      const { Cluster } = await import("npm:ioredis@^6.0.0");
      const nodes = config.location.split(",").map((url) => {
        const { hostname, port } = new URL(url);
        return { host: hostname, port: Number(port) };
      });
      const cluster = new Cluster(nodes, { lazyConnect: true });
      cluster.on("error", () => {});
      await cluster.connect();
      closeStore = async () => void await cluster.quit().catch(() => {});
      return new RedisStore(fromIoredisCluster(cluster));
    }
  }
}

const paused = new Set<string>();
async function pausePoint(name: "leased" | "writing"): Promise<void> {
  if (config.pauseAt !== name || paused.has(name)) return;
  paused.add(name);
  console.log(`@${name}`);
  await new Promise((r) => setTimeout(r, config.pauseMs ?? 1_000));
}

function failing(): boolean {
  if (config.failWritesFile === undefined) return false;
  try {
    Deno.statSync(config.failWritesFile);
    return true;
  } catch {
    return false;
  }
}

/** The store with the fault hooks around it. */
function withFaults(store: TokenStore): TokenStore {
  const refuse = () => {
    throw new Error("injected write failure (no space left on device)");
  };
  return {
    get: (key) => store.get(key),
    set: async (key, token) => {
      if (failing()) refuse();
      await store.set(key, token);
    },
    delete: (key) => store.delete(key),
    acquire: async (key, ttl) => {
      const lease = await store.acquire!(key, ttl);
      if (lease === undefined) return undefined;
      // Pause points at a refresh (a token is stored), not at the first login.
      const refreshing = (await store.get(key)) !== undefined;
      return {
        set: async (token: Token) => {
          if (refreshing) await pausePoint("writing");
          if (failing()) refuse();
          return await lease.set(token);
        },
        // The source renews right before it sends: pausing here is pausing before the send.
        renew: async (ms: number) => {
          if (refreshing) await pausePoint("leased");
          return await lease.renew!(ms);
        },
        release: () => lease.release(),
      };
    },
  };
}

const store = withFaults(await open());
const users = config.users ?? ["alice"];
const resources = config.resources ?? [""];
const targets = users.flatMap((user) =>
  resources.map((resource) => {
    const tokens = tokenSource(
      password({
        tokenUrl: config.tokenUrl,
        clientId: "client",
        clientSecret: "secret",
        username: user,
        password: "pw",
        resource: resource === "" ? undefined : resource,
        headers: { "x-worker": config.id },
        allowInsecureHttp: true,
      }),
      {
        store,
        leaseTtl: config.leaseTtl,
        leaseWait: config.leaseWait,
        refreshBefore: config.refreshBefore,
        storeTimeout: config.storeTimeout,
        onStoreError: (error) => {
          result.storeErrors++;
          if (Deno.env.get("WORKER_DEBUG")) console.error(`[${config.id}] store error:`, error);
        },
        onRefreshError: (error) => {
          if (Deno.env.get("WORKER_DEBUG")) console.error(`[${config.id}] refresh failed:`, error);
        },
      },
    );
    return { user, resource, api: createFetch([auth(tokens)]) };
  })
);

let next = 0;
async function call(): Promise<void> {
  const target = targets[next++ % targets.length];
  result.calls++;
  try {
    const response = await target.api(
      `${config.apiOrigin}/api/${encodeURIComponent(target.resource)}`,
    );
    if (response.status !== 200) {
      await response.body?.cancel();
      return fail(`API answered ${response.status}`);
    }
    const body = await response.json();
    if (body.subject !== target.user || body.resource !== target.resource) result.wrong++;
  } catch (error) {
    fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  }
}

await readyThenWaitForGo();

const until = Date.now() + (config.durationMs ?? 1000);
await Promise.all(Array.from({ length: config.concurrency ?? 2 }, async () => {
  while (Date.now() < until) {
    await call();
    await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
  }
}));
console.log(JSON.stringify(result));
// A cluster client may hang closing while a node is gone: give it half a second.
await Promise.race([closeStore(), new Promise((r) => setTimeout(r, 500))]);
Deno.exit(0);
