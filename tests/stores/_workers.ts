/**
 * Spawns worker processes (`deno run tests/stores/workers/token_worker.ts`) and collects their results.
 *
 * @module
 */

import type { WorkerConfig, WorkerResult } from "./workers/token_worker.ts";

export type { WorkerConfig, WorkerResult };

const WORKER = new URL("./workers/token_worker.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/** A spawned worker. */
export interface Worker {
  /** Resolves when the worker printed `ready`. */
  ready: Promise<void>;
  /** Lets the worker start. */
  go(): Promise<void>;
  /** The worker's result; rejects when it exits without one. */
  result: Promise<WorkerResult>;
  /** Sends a signal. */
  kill(signal: Deno.Signal): void;
  /** The exit status. */
  status: Promise<Deno.CommandStatus>;
}

/**
 * Starts one worker.
 *
 * @param config Its configuration.
 * @returns The worker.
 */
export function spawnWorker(config: WorkerConfig): Worker {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--lock=tests/deno.lock",
      "--unstable-kv",
      "--quiet",
      WORKER,
      JSON.stringify(config),
    ],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    env: { NO_COLOR: "1" },
    stderr: Deno.env.get("WORKER_DEBUG") ? "inherit" : "piped",
  }).spawn();
  const stderr = Deno.env.get("WORKER_DEBUG")
    ? Promise.resolve("")
    : new Response(child.stderr).text();
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => onReady = resolve);
  const lines = (async () => {
    const out: string[] = [];
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line === "ready") onReady();
        else out.push(line);
      }
    }
    if (buffer) out.push(buffer);
    return out;
  })();
  const writer = child.stdin.getWriter();
  const status = child.status.then(async (status) => {
    await writer.close().catch(() => {});
    return status;
  });
  const result = Promise.all([lines, stderr, status]).then(([out, err, st]) => {
    const last = out.findLast((line) => line.startsWith("{"));
    if (last === undefined) {
      throw new Error(
        `worker exited (${st.code}/${st.signal}) without a result: ${err.slice(-2000)}`,
      );
    }
    return JSON.parse(last) as WorkerResult;
  });
  result.catch(() => {});
  return {
    ready: Promise.race([ready, status.then(() => {})]),
    go: () => writer.write(new TextEncoder().encode("go\n")).catch(() => {}),
    result,
    kill: (signal) => {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    },
    status,
  };
}

/**
 * Starts one worker per config, lets them all go at once when every one is ready, and waits for them.
 *
 * @param configs One config per process.
 * @returns Their results, in order.
 */
export async function runWorkers(configs: WorkerConfig[]): Promise<WorkerResult[]> {
  const workers = configs.map(spawnWorker);
  await Promise.all(workers.map((w) => w.ready));
  await Promise.all(workers.map((w) => w.go()));
  return await Promise.all(workers.map((w) => w.result));
}
