/**
 * Run by bench/upload_rss.ts, one process per mode: streams a 256 MB upload (64 KiB chunks made as they
 * are pulled) to the URL given, then prints `{ mode, sent, received, baseline, peak }` (bytes; RSS from
 * /proc/self/status: VmRSS before, VmHWM after).
 *
 * Usage: deno run -A bench/_upload_child.ts <plain|createFetch([])|...> <url> [megabytes]
 *
 * @module
 */

import { auth, createFetch, existingToken, retry, tokenSource } from "../mod.ts";

const [mode, url, megabytes = "256"] = Deno.args;
const total = Number(megabytes) * 1024 * 1024;
const CHUNK = 64 * 1024;

function rss(field: "VmRSS" | "VmHWM"): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
}

const tokens = tokenSource(existingToken({ accessToken: "cached", expiresAt: Date.now() + 3.6e6 }));
const fetches: Record<string, typeof fetch> = {
  "plain fetch": fetch,
  "createFetch([])": createFetch([]) as typeof fetch,
  "createFetch([retry(), auth()])": createFetch([retry(), auth(tokens)]) as typeof fetch,
  'createFetch([retry({ methods: ["POST"] }), auth()])': createFetch([
    retry({ methods: ["POST"] }),
    auth(tokens),
  ]) as typeof fetch,
};
const send = fetches[mode];
if (send === undefined) throw new Error(`unknown mode ${mode}`);

// Warm up the code paths with a small body so the baseline includes them.
await (await send(url, { method: "POST", body: "warm up" })).arrayBuffer();
const baseline = rss("VmRSS");
let sent = 0;
const body = new ReadableStream<Uint8Array>({
  pull(controller) {
    if (sent >= total) return controller.close();
    const chunk = new Uint8Array(CHUNK).fill(sent & 0xff);
    sent += CHUNK;
    controller.enqueue(chunk);
  },
}, { highWaterMark: 0 });
const response = await send(url, { method: "POST", body, duplex: "half" } as RequestInit);
const received = Number(await response.text());
console.log(JSON.stringify({ mode, sent, received, baseline, peak: rss("VmHWM") }));
