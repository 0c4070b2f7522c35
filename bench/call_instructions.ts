/**
 * CPU instructions per API call with a cached token, counted under `valgrind --tool=callgrind`
 * (`bench/_valgrind.ts`; on a quiet machine repeatable within about 1 %, unlike CPU time): each
 * variant of `bench/calls/client.ts` runs twice, with 0 and with `BENCH_CALLS` (1,000) calls after
 * the same warm-up, and the difference divided by the calls is what one call costs, the server's
 * work excluded (it runs in another process). The variants take authfetch apart layer by layer:
 * plain `fetch(url, init)`, `fetch(new Request(…))` (the `Request` a pipeline is built on),
 * `createFetch([])`, `createFetch([auth(…)])`, `createFetch([retry(), auth(…)])`, and
 * @badgateway/oauth2-client's `OAuth2Fetch`.
 *
 * `BENCH_VARIANTS` (names, comma-separated: `plain,authfetch`) counts only those.
 *
 * Needs valgrind (Debian: `apt-get install valgrind`).
 * Run: `deno run -A --lock=tests/deno.lock bench/call_instructions.ts` (part of `deno task bench`).
 *
 * @module
 */

import { instructions, requireValgrind, startServer } from "./_valgrind.ts";

const root = new URL("../", import.meta.url);
const WARM = Number(Deno.env.get("BENCH_WARM") ?? 1_000);
const CALLS = Number(Deno.env.get("BENCH_CALLS") ?? 2_000);
const VARIANTS = [
  { name: "plain", label: "plain `fetch(url, init)`" },
  { name: "request", label: "`fetch(new Request(url, init))`" },
  { name: "pipeline", label: "authfetch `createFetch([])`" },
  { name: "auth", label: "authfetch `createFetch([auth(tokenSource(…))])`" },
  { name: "authfetch", label: "authfetch `createFetch([retry(), auth(tokenSource(…))])`" },
  { name: "badgateway", label: "@badgateway/oauth2-client `OAuth2Fetch`" },
];

const only = Deno.env.get("BENCH_VARIANTS")?.split(",");
if (only !== undefined) {
  VARIANTS.splice(0, VARIANTS.length, ...VARIANTS.filter(({ name }) => only.includes(name)));
}

await requireValgrind("bench/call_instructions.ts");

const { base, stop } = await startServer();
const perCall = new Map<string, number>();
const firstCalls = new Map<string, number>();
try {
  const args = [
    "run",
    "-A",
    "--lock=tests/deno.lock",
    new URL("./calls/client.ts", import.meta.url).pathname,
    base,
  ];
  for (const { name } of VARIANTS) {
    const run = (calls: number) =>
      instructions(
        args,
        { BENCH_VARIANT: name, BENCH_CALLS: String(calls) },
        '"done"',
        root.pathname,
      );
    const none = await run(0);
    const warm = await run(WARM);
    const many = await run(WARM + CALLS);
    firstCalls.set(name, (warm - none) / WARM);
    perCall.set(name, (many - warm) / CALLS);
  }
} finally {
  await stop();
}

const plain = perCall.get("plain") ?? NaN;
const plainFirst = firstCalls.get("plain") ?? NaN;
const lines = [
  `Deno ${Deno.version.deno}; instructions per call with a cached token (valgrind --tool=callgrind, ` +
  `the client's process only): steady state, calls ${WARM + 1}–${WARM + CALLS}; and the first ` +
  `${WARM} calls, compiling included`,
  "",
  "| variant | per call, steady state | vs plain `fetch` | first calls | vs plain `fetch` |",
  "|---|---|---|---|---|",
];
for (const { name, label } of VARIANTS) {
  const n = perCall.get(name)!;
  const first = firstCalls.get(name)!;
  lines.push(
    `| ${label} | ${(n / 1000).toFixed(1)} K | ${(n / plain).toFixed(3)}× | ` +
      `${(first / 1000).toFixed(0)} K | ${(first / plainFirst).toFixed(2)}× |`,
  );
}
console.log(lines.join("\n"));
