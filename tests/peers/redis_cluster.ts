/**
 * Starts a real Redis Cluster for tests: `redis-server --cluster-enabled yes` × 6 on loopback (three
 * primaries, one replica each), joined with `redis-cli --cluster create … --cluster-replicas 1`.
 *
 * @module
 */

import { type RedisServer, redisServerPath, startRedisServer } from "./redis_server.ts";

/** A running cluster. */
export interface RedisCluster {
  /** `redis://127.0.0.1:<port>` of every node. */
  urls: string[];
  /** The node processes, by port. */
  nodes: Map<number, RedisServer>;
  /** Sends one command to the node at `port` (inline protocol) and returns the raw reply. */
  command(port: number, ...args: string[]): Promise<string>;
  /** The port of the primary that serves `slot`. */
  primaryOf(slot: number): Promise<number>;
  /** Kills the node at `port` (SIGKILL). */
  kill(port: number): Promise<void>;
  /** Waits until every live node reports `cluster_state:ok`. */
  settled(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their directories. */
  close(): Promise<void>;
}

/** A port whose cluster bus port (+10000) is free too. */
function clusterPort(): number {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      Deno.listen({ hostname: "127.0.0.1", port: port + 10_000 }).close();
      return port;
    } catch {
      // taken: try another
    }
  }
}

/** The `redis-cli` next to `redis-server`. */
function redisCliPath(): string | undefined {
  const server = redisServerPath();
  if (server === undefined) return undefined;
  const cli = server.replace(/redis-server$/, "redis-cli");
  try {
    return Deno.statSync(cli).isFile ? cli : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the cluster.
 *
 * @returns The cluster, or `undefined` when redis-server or redis-cli is not installed.
 * @throws {Error} When the cluster does not form.
 */
export async function startRedisCluster(): Promise<RedisCluster | undefined> {
  const cli = redisCliPath();
  if (cli === undefined) return undefined;
  const root = await Deno.makeTempDir({ prefix: "authfetch-cluster-" });
  const nodes = new Map<number, RedisServer>();
  const close = async () => {
    await Promise.all([...nodes.values()].map((n) => n.kill()));
    await Deno.remove(root, { recursive: true }).catch(() => {});
  };
  try {
    for (let i = 0; i < 6; i++) {
      const port = clusterPort();
      const dir = `${root}/${port}`;
      await Deno.mkdir(dir);
      const node = await startRedisServer({
        port,
        dir,
        args: [
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "nodes.conf",
          "--cluster-node-timeout",
          "1000",
        ],
      });
      nodes.set(port, node!);
    }
    const created = await new Deno.Command(cli, {
      args: [
        "--cluster",
        "create",
        ...[...nodes.keys()].map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas",
        "1",
        "--cluster-yes",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!created.success) {
      throw new Error(
        `redis-cli --cluster create failed: ${new TextDecoder().decode(created.stderr)}`,
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  const command = async (port: number, ...args: string[]) => {
    const out = await new Deno.Command(cli, {
      args: ["-h", "127.0.0.1", "-p", String(port), ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(out.stdout);
  };
  const live = () => [...nodes.keys()];
  const cluster: RedisCluster = {
    urls: [...nodes.keys()].map((p) => `redis://127.0.0.1:${p}`),
    nodes,
    command,
    primaryOf: async (slot) => {
      for (const port of live()) {
        const text = await command(port, "CLUSTER", "NODES");
        for (const line of text.trim().split("\n")) {
          const [, address, flags, , , , , state, ...ranges] = line.split(" ");
          if (!flags?.includes("master") || flags.includes("fail") || state !== "connected") {
            continue;
          }
          for (const range of ranges) {
            const [from, to] = range.split("-").map(Number);
            if (slot >= from && slot <= (to ?? from)) {
              return Number(address.split(":")[1].split("@")[0]);
            }
          }
        }
        if (text.trim() !== "") break;
      }
      throw new Error(`no primary serves slot ${slot}`);
    },
    settled: async (timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(live().map((p) => command(p, "CLUSTER", "INFO")));
        if (states.every((s) => s.includes("cluster_state:ok"))) return;
        if (Date.now() > deadline) throw new Error("the cluster did not settle");
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    kill: async (port) => {
      await nodes.get(port)?.kill();
      nodes.delete(port);
    },
    close,
  };
  try {
    await cluster.settled();
  } catch (error) {
    await close();
    throw error;
  }
  return cluster;
}
