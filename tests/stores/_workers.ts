/**
 * Spawns worker processes (`tests/stores/workers/token_worker.ts`, `strict_worker.ts`) and collects
 * their results.
 *
 * @module
 */

import type { WorkerConfig, WorkerResult } from "./workers/token_worker.ts";

export type { WorkerConfig, WorkerResult };

const WORKER = new URL("./workers/token_worker.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/** A spawned worker process. */
export interface Worker<R = WorkerResult> {
  /** Resolves when the worker printed `ready` (or exited). */
  ready: Promise<void>;
  /** Lets the worker start. */
  go(): Promise<void>;
  /** The worker's result (its last stdout line starting with `{`); rejects when it exits without one. */
  result: Promise<R>;
  /** Its process id. */
  pid: number;
  /** Sends a signal (nothing when it is gone). */
  kill(signal: Deno.Signal): void;
  /** The exit status. */
  status: Promise<Deno.CommandStatus>;
}

/**
 * Starts one worker script (`deno run -A --lock=tests/deno.lock <script> <config as JSON>`): it prints
 * `ready`, waits for `go` on stdin, and prints its result as a JSON line. With `onMarker`, stdout lines
 * starting with `@` are handed to it at once instead of being kept.
 *
 * @param script The worker module's path.
 * @param config Its configuration.
 * @param onMarker Called with each marker line.
 * @returns The worker.
 */
export function spawnWorkerScript<C, R>(
  script: string,
  config: C,
  onMarker?: (marker: string) => void,
): Worker<R> {
  const debug = Boolean(Deno.env.get("WORKER_DEBUG"));
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--lock=tests/deno.lock",
      "--unstable-kv",
      "--quiet",
      script,
      JSON.stringify(config),
    ],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    env: { NO_COLOR: "1" },
    stderr: debug ? "inherit" : "piped",
  }).spawn();
  const stderr = debug ? Promise.resolve("") : new Response(child.stderr).text();
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => onReady = resolve);
  const lines = (async () => {
    const out: string[] = [];
    const take = (line: string) => {
      if (line === "ready") onReady();
      else if (onMarker !== undefined && line.startsWith("@")) onMarker(line);
      else out.push(line);
    };
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        take(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    }
    if (buffer) take(buffer);
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
    return JSON.parse(last) as R;
  });
  result.catch(() => {});
  return {
    ready: Promise.race([ready, status.then(() => {})]),
    go: () => writer.write(new TextEncoder().encode("go\n")).catch(() => {}),
    result,
    pid: child.pid,
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
 * Starts one token worker (`workers/token_worker.ts`).
 *
 * @param config Its configuration.
 * @returns The worker.
 */
export function spawnWorker(config: WorkerConfig): Worker {
  return spawnWorkerScript<WorkerConfig, WorkerResult>(WORKER, config);
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
