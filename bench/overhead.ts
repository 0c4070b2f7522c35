/**
 * CPU time the pipeline adds per call, measured with a platform `fetch` that answers at once (no
 * network), so only the library's own work is timed. Explains the throughput ratio of
 * `bench/throughput.ts`: whatever is added here is added to every real request.
 *
 * Process CPU time (`process.cpuUsage()`, user + system) rather than wall time, so other work on the
 * machine does not count; the variants run in interleaved rounds and the median round is reported.
 *
 * Run: `deno run -A bench/overhead.ts` (part of `deno task bench`). `BENCH_CALLS` is the calls per
 * variant and round, `BENCH_ROUNDS` the rounds.
 *
 * @module
 */

import process from "node:process";
import { auth, createFetch, existingToken, retry, timeout, tokenSource } from "../mod.ts";

const url = "http://127.0.0.1:1/resource";
const response = new Response(null);
const platform = () => Promise.resolve(response);
const tokens = tokenSource(
  existingToken({ accessToken: "cached", expiresAt: Date.now() + 3_600_000 }),
);
const N = Number(Deno.env.get("BENCH_CALLS") ?? 50_000);
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 7);

const init = { headers: { authorization: "Bearer cached" } };
const empty = createFetch([], { fetch: platform });
const both = createFetch([retry(), auth(tokens)], { fetch: platform });
const withTimeout = createFetch([retry(), timeout(10_000), auth(tokens)], { fetch: platform });
const VARIANTS: Record<string, () => Promise<unknown>> = {
  "new Request(url, init) (what fetch itself does)": () => {
    new Request(url, init);
    return platform();
  },
  "createFetch([])": () => empty(url),
  "createFetch([retry(), auth(tokens)])": () => both(url),
  "createFetch([retry(), timeout(), auth(tokens)])": () => withTimeout(url),
  'POST "{...}" through createFetch([retry(), auth(tokens)])': () =>
    both(url, { method: "POST", body: '{"a":1}' }),
};
const NAMES = Object.keys(VARIANTS);

async function cpuPerCall(call: () => Promise<unknown>, n: number): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < n; i++) await call();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / n;
}

for (const name of NAMES) await cpuPerCall(VARIANTS[name], N / 5); // warm up
const samples: Record<string, number[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < NAMES.length; i++) {
    const name = NAMES[(i + round) % NAMES.length];
    (samples[name] ??= []).push(await cpuPerCall(VARIANTS[name], N));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(samples[NAMES[0]]);
console.log(
  `CPU time per call, platform fetch answering at once, median of ${ROUNDS} interleaved rounds:`,
);
for (const name of NAMES) {
  const micros = median(samples[name]);
  const added = name === NAMES[0] ? "" : `  (+${(micros - base).toFixed(2)} over new Request)`;
  console.log(`  ${name.padEnd(58)} ${micros.toFixed(2).padStart(6)} µs/call${added}`);
}
