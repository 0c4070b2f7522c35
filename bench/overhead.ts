/**
 * CPU time the pipeline adds per call, measured with a platform `fetch` that answers at once (no
 * network), so only the library's own work is timed. Explains the throughput ratio of
 * `bench/throughput.ts`: whatever is added here is added to every real request.
 *
 * Run: `deno run -A bench/overhead.ts` (part of `deno task bench`).
 *
 * @module
 */

import { auth, createFetch, existingToken, retry, tokenSource } from "../mod.ts";

const url = "http://127.0.0.1:1/resource";
const response = new Response(null);
const platform = () => Promise.resolve(response);
const tokens = tokenSource(
  existingToken({ accessToken: "cached", expiresAt: Date.now() + 3_600_000 }),
);
const N = Number(Deno.env.get("BENCH_CALLS") ?? 300_000);

async function time(name: string, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < N / 6; i++) await call();
  const started = performance.now();
  for (let i = 0; i < N; i++) await call();
  const micros = (performance.now() - started) * 1000 / N;
  console.log(`  ${name.padEnd(44)} ${micros.toFixed(2).padStart(6)} µs/call`);
  return micros;
}

console.log("CPU time per call, platform fetch answering at once:");
const init = { headers: { authorization: "Bearer cached" } };
await time("new Request(url, init) (what fetch itself does)", () => {
  new Request(url, init);
  return platform();
});
const empty = createFetch([], { fetch: platform });
await time("createFetch([])", () => empty(url));
const both = createFetch([retry(), auth(tokens)], { fetch: platform });
await time("createFetch([retry(), auth(tokens)])", () => both(url));
