/**
 * What every client in `bench/compare.ts` shares: the credentials, the token the server issues, the
 * call signature, and the cold-start program each client file runs as its main module.
 *
 * @module
 */

/** The client id the server accepts. */
export const CLIENT_ID = "bench-client";
/** The client secret the server accepts. */
export const CLIENT_SECRET = "bench-secret";
/** The access token the server issues and the API accepts. */
export const TOKEN = "bench-access-token";

/** An authenticated fetch: gets (or reuses) a token and calls the API with it. */
export type Call = (url: string) => Promise<Response>;

/** Builds one client for the server at `base` (`http://127.0.0.1:port`). */
export type CreateClient = (base: string) => Call;

/**
 * Peak resident memory of this process so far (`VmHWM` of `/proc/self/status`), bytes; on systems
 * without `/proc`, the current RSS.
 *
 * @returns Bytes.
 */
export function peakRss(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = /^VmHWM:\s*(\d+)\s*kB/m.exec(status);
    if (kb) return Number(kb[1]) * 1024;
  } catch {
    // not Linux
  }
  return Deno.memoryUsage().rss;
}

/**
 * The cold-start program: one client, one authenticated API call (so one token request and one API
 * request), then one line of JSON on stdout and exit: `ready`, ms from the process's start to its
 * modules having been loaded and evaluated; `uptime`, ms to the end of the call; `peakRss`, bytes. The parent times the whole process.
 *
 * @param create The client factory.
 */
export async function coldRun(create: CreateClient): Promise<void> {
  const ready = performance.now();
  // bench/cold_profile.ts starts its profiler, then sends a byte; it closes stdin once it has stopped
  const hold = Deno.env.get("BENCH_HOLD") === "1";
  if (hold) await Deno.stdin.read(new Uint8Array(1));
  const base = Deno.args[0];
  const call = create(base);
  // bench/cold_instructions.ts: the same program without its call, to tell loading from calling
  if (Deno.env.get("BENCH_NO_CALL") === "1") {
    console.log(JSON.stringify({ ready, uptime: performance.now(), peakRss: peakRss() }));
    return;
  }
  const response = await call(`${base}/api`);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`cold call answered ${response.status}: ${body}`);
  console.log(JSON.stringify({ ready, uptime: performance.now(), peakRss: peakRss() }));
  if (hold) await Deno.stdin.read(new Uint8Array(1));
}

/**
 * One call through a client, its body read; throws unless the API answered 200.
 *
 * @param call The client.
 * @param base The server's base URL.
 * @param label The client's name, for the error.
 */
export async function callApi(call: Call, base: string, label: string): Promise<void> {
  const response = await call(`${base}/api`);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${label}: the API answered ${response.status}`);
}

/**
 * V8's `gc()`, which `--v8-flags=--expose-gc` exposes.
 *
 * @returns The function.
 * @throws {Error} When the flag is missing.
 */
export function exposedGc(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");
  return gc;
}
