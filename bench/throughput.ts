/**
 * Throughput with a cached token against plain `fetch`, the API server in another process: plain
 * `fetch` (with the same `Authorization` header), `fetch(new Request(…))` (the floor of the handler
 * contract: handlers are given a `Request`, and `fetch(request)` builds one more from it, so no
 * pipeline can beat this row), `createFetch([])` and `createFetch([retry(), auth(tokens)])`, in 5
 * interleaved rounds (the order rotates each round), reported as the median of the rounds. Also the CPU time this process spends per call (`process.cpuUsage()`), and what the
 * pipelines add to plain `fetch`.
 *
 * Run: `deno run -A bench/throughput.ts` (part of `deno task bench`). `BENCH_ROUNDS` and
 * `BENCH_REQUESTS` (per variant and round) change the run.
 *
 * @module
 */

import process from "node:process";
import { auth, createFetch, existingToken, retry, tokenSource } from "../mod.ts";

const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 5);
const PER_ROUND = Number(Deno.env.get("BENCH_REQUESTS") ?? 8_000);
const CONCURRENCY = 32;

const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL("./api_server.ts", import.meta.url).pathname],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
const port = Number((await reader.read()).value?.trim());
const url = `http://127.0.0.1:${port}/auth`;

const tokens = tokenSource(
  existingToken({ accessToken: "cached-token", expiresAt: Date.now() + 3_600_000 }),
);
const empty = createFetch([]);
const pipeline = createFetch([retry(), auth(tokens)]);
const VARIANTS: Record<string, (url: string) => Promise<Response>> = {
  "plain fetch": (input) => fetch(input, { headers: { authorization: "Bearer cached-token" } }),
  // The floor of the handler contract: a pipeline hands its handlers a `Request`, and `fetch(request)`
  // builds a `Request` of its own from it (Fetch standard, fetch() step 2), so every pipeline pays
  // one `Request` more than plain `fetch`.
  "fetch(new Request(…)) (contract floor)": (input) =>
    fetch(new Request(input, { headers: { authorization: "Bearer cached-token" } })),
  "createFetch([]) + header": (input) =>
    empty(input, { headers: { authorization: "Bearer cached-token" } }),
  "createFetch([retry(), auth(tokens)])": (input) => pipeline(input),
};
const NAMES = Object.keys(VARIANTS);

/** Requests per second and CPU µs per call of `n` calls. */
async function run(send: (url: string) => Promise<Response>, n: number) {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < n) {
      const response = await send(url);
      if (response.status !== 200) throw new Error(`unexpected ${response.status}`);
      await response.arrayBuffer();
    }
  }));
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { rate: n / (elapsed / 1000), cpu: (used.user + used.system) / n };
}

for (const name of NAMES) await run(VARIANTS[name], 2_000); // warm up every path

const rates: Record<string, number[]> = {};
const cpus: Record<string, number[]> = {};
const ratios: Record<string, number[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  const order = NAMES.map((_, i) => NAMES[(i + round) % NAMES.length]);
  const results: Record<string, { rate: number; cpu: number }> = {};
  for (const name of order) results[name] = await run(VARIANTS[name], PER_ROUND);
  for (const name of NAMES) {
    (rates[name] ??= []).push(results[name].rate);
    (cpus[name] ??= []).push(results[name].cpu);
    (ratios[name] ??= []).push(results[name].rate / results["plain fetch"].rate);
  }
}
child.kill();
await child.status;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `throughput, cached token, server in another process, ${CONCURRENCY} concurrent, ` +
    `median of ${ROUNDS} interleaved rounds of ${PER_ROUND} requests:`,
);
const plainCpu = median(cpus["plain fetch"]);
for (const name of NAMES) {
  const ratio = name === "plain fetch"
    ? ""
    : `  ratio ${median(ratios[name]).toFixed(3)} (target ≥ 0.97)`;
  const cpu = median(cpus[name]);
  const added = name === "plain fetch" ? "" : `, +${(cpu - plainCpu).toFixed(1)}`;
  console.log(
    `  ${name.padEnd(38)} ${median(rates[name]).toFixed(0).padStart(7)} req/s` +
      `  CPU ${cpu.toFixed(1).padStart(5)} µs/call${added}${ratio}`,
  );
}
