/**
 * Memory per 1,000 token sources, for `bench/compare.ts`: run as
 * `deno run -A --v8-flags=--expose-gc bench/compare/sources.ts <client> <base>`. After 1,000 clients
 * have each made a call (so every module and lazy path is loaded and the code that makes them is
 * compiled), it measures the heap, makes 1,000 more clients and one call through each (each then
 * holds its token), collects garbage (letting finalizers run in between) and prints the heap growth
 * in bytes as JSON (`{ bytes }`).
 *
 * @module
 */

import { callApi, type CreateClient, exposedGc } from "./_client.ts";

const COUNT = 1_000;
const CONCURRENCY = 16;
const [name, base] = Deno.args;
const { create }: { create: CreateClient } = await import(
  new URL(`./${name}.ts`, import.meta.url).href
);
const gc = exposedGc();
const callOnce = (call: (url: string) => Promise<Response>) => callApi(call, base, name);

// Between collections a task runs, so that finalization callbacks run and what they release (the
// `FinalizationRegistry` cells the platform's fetch leaves for every client, plain `fetch` too) is
// collected too: garbage awaiting its finalizer is not memory a source holds.
const settle = async () => {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  gc();
  return Deno.memoryUsage().heapUsed;
};

/** Makes `count` clients, one call through each, and keeps them in `into`. */
async function make(into: unknown[], count: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      next++;
      const call = create(base);
      into.push(call);
      await callOnce(call);
    }
  }));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

// A first 1,000, kept too, so that the code making and calling clients is compiled and optimized
// before the heap is measured: machine code is made once, not per source, and would otherwise count
// as per-source memory (the more code a client runs, the more).
const warm: unknown[] = [];
await make(warm, COUNT);
const kept: unknown[] = [];
const before = await settle();
await make(kept, COUNT);
const after = await settle();
console.log(JSON.stringify({ bytes: after - before, kept: kept.length, warm: warm.length }));
