/**
 * Deno's own cost in `bench/compare.ts`: a process that does nothing but report, like the cold-start
 * programs, its uptime and peak memory.
 *
 * @module
 */

import { peakRss } from "./_client.ts";

const ready = performance.now();
console.log(JSON.stringify({ ready, uptime: ready, peakRss: peakRss() }));
