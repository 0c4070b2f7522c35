/**
 * Peak RSS of a 256 MB streamed upload (a `ReadableStream` body) through plain `fetch`, `createFetch([])`
 * and `createFetch([retry(), auth()])`, each in its own process, to a sink server in this process. The
 * target: every pipeline within 32 MB of plain `fetch` (a stream body is sent once, never teed or
 * buffered).
 *
 * Run: `deno run -A bench/upload_rss.ts` (part of `deno task bench`); `BENCH_UPLOAD_MB` changes the size.
 *
 * @module
 */

const MEGABYTES = Deno.env.get("BENCH_UPLOAD_MB") ?? "256";
const ROUNDS = Number(Deno.env.get("BENCH_UPLOAD_ROUNDS") ?? 3);
const MODES = [
  "plain fetch",
  "createFetch([])",
  "createFetch([retry(), auth()])",
  'createFetch([retry({ methods: ["POST"] }), auth()])',
];

const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  async (request) => {
    let bytes = 0;
    for await (const chunk of request.body!) bytes += chunk.byteLength;
    return new Response(String(bytes));
  },
);
const url = `http://127.0.0.1:${server.addr.port}/upload`;

const peaks: Record<string, number[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order between rounds so no mode always runs on a warmer machine.
  const order = round % 2 === 0 ? MODES : [...MODES].reverse();
  for (const mode of order) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_upload_child.ts", import.meta.url).pathname,
        mode,
        url,
        MEGABYTES,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const result = JSON.parse(new TextDecoder().decode(output.stdout));
    if (result.received !== result.sent) {
      throw new Error(`${mode}: sent ${result.sent} bytes, server received ${result.received}`);
    }
    (peaks[mode] ??= []).push(result.peak);
  }
}
await server.shutdown();

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const plain = median(peaks["plain fetch"]);
console.log(
  `peak RSS of a ${MEGABYTES} MB streamed upload, own process per run, median of ${ROUNDS}:`,
);
for (const mode of MODES) {
  const peak = median(peaks[mode]);
  const extra = mode === "plain fetch"
    ? ""
    : `  (${peak >= plain ? "+" : ""}${mb(peak - plain)} MB; target ≤ +32 MB)`;
  console.log(`  ${mode.padEnd(50)} ${mb(peak).padStart(5)} MB${extra}`);
}
