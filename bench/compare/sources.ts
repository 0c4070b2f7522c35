/**
 * Memory per 1,000 token sources, for `bench/compare.ts`: run as
 * `deno run -A --v8-flags=--expose-gc bench/compare/sources.ts <client> <base>`. After one client has
 * made a call (so every module and lazy path is loaded), it measures the heap, makes 1,000 more clients
 * and one call through each (each then holds its token), collects garbage and prints the heap growth
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

const settle = () => {
  for (let i = 0; i < 4; i++) gc();
  return Deno.memoryUsage().heapUsed;
};

await callOnce(create(base));
const kept: unknown[] = [];
const before = settle();
let next = 0;
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (next < COUNT) {
    next++;
    const call = create(base);
    kept.push(call);
    await callOnce(call);
  }
}));
await new Promise((resolve) => setTimeout(resolve, 0));
const after = settle();
console.log(JSON.stringify({ bytes: after - before, kept: kept.length }));
