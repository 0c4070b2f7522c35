/**
 * Throughput of `createFetch([retry(), auth(tokens)])` with a cached token against plain `fetch`, both
 * against a local server in another process, measured in alternating rounds in one run (ratio).
 *
 * Run: `deno run -A bench/throughput.ts` (part of `deno task bench`).
 *
 * @module
 */

import { auth, createFetch, existingToken, retry, tokenSource } from "../mod.ts";

const PAIRS = Number(Deno.env.get("BENCH_PAIRS") ?? 30);
const PER_PAIR = Number(Deno.env.get("BENCH_REQUESTS") ?? 1_500);
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
const pipeline = createFetch([retry(), auth(tokens)]);
const plain = (input: string) =>
  fetch(input, { headers: { authorization: "Bearer cached-token" } });

async function run(send: (url: string) => Promise<Response>, n: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < n) {
      const response = await send(url);
      if (response.status !== 200) throw new Error(`unexpected ${response.status}`);
      await response.arrayBuffer();
    }
  }));
  return n / ((performance.now() - started) / 1000);
}

await run(plain, 1_000); // warm up both paths
await run(pipeline, 1_000);
// Many short pairs, alternating which goes first; the median of per-pair ratios cancels machine drift.
const ratios: number[] = [];
const plainRates: number[] = [];
const pipelineRates: number[] = [];
for (let pair = 0; pair < PAIRS; pair++) {
  let a: number, b: number;
  if (pair % 2 === 0) {
    a = await run(plain, PER_PAIR);
    b = await run(pipeline, PER_PAIR);
  } else {
    b = await run(pipeline, PER_PAIR);
    a = await run(plain, PER_PAIR);
  }
  plainRates.push(a);
  pipelineRates.push(b);
  ratios.push(b / a);
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(
  `throughput, cached token, server in another process, ${CONCURRENCY} concurrent, ${PAIRS} pairs:`,
);
console.log(
  `  plain fetch                          ${
    median(plainRates).toFixed(0).padStart(7)
  } req/s (median)`,
);
console.log(
  `  createFetch([retry(), auth(tokens)]) ${
    median(pipelineRates).toFixed(0).padStart(7)
  } req/s (median)`,
);
console.log(`  ratio (median of pairs)              ${median(ratios).toFixed(3)}  (target ≥ 0.97)`);
child.kill();
await child.status;
