/**
 * Cold start counted in CPU instructions instead of milliseconds: each `bench/compare/` client's
 * cold-start program (create the client, one authenticated call: one token request and one API
 * request, against `bench/compare/server.ts` in another process) runs under
 * `valgrind --tool=callgrind` (`bench/_valgrind.ts`), which counts what every thread of the process
 * executes: on a quiet machine the same program gives the same count within about 1 %, where wall times on a shared
 * 2-core machine move by ±20 %. Each client also runs without its call (`BENCH_NO_CALL=1`), which
 * tells loading (Deno's start-up, module loading and evaluation) from the first call.
 *
 * Caveat: instructions are not time. A cache miss or a page fault costs many cycles and no
 * instruction, and work Deno does on other threads (the emit and code caches) counts in full. It is
 * the figure to compare versions and clients with; `bench/compare.ts` gives the milliseconds.
 *
 * Needs valgrind (Debian: `apt-get install valgrind`); each run takes 10–20 s under it.
 * Run: `deno run -A --lock=tests/deno.lock bench/cold_instructions.ts` (part of `deno task bench`).
 *
 * @module
 */

import { median } from "./_median.ts";
import { instructions, requireValgrind, startServer } from "./_valgrind.ts";

const root = new URL("../", import.meta.url);
const REPEATS = Number(Deno.env.get("BENCH_INSTRUCTION_REPEATS") ?? 1);

const CLIENTS = [
  { file: "empty", label: "empty Deno program (Deno's own cost)" },
  { file: "plain_fetch", label: "plain `fetch` (by hand)" },
  { file: "authfetch", label: "authfetch (the package: `dist/`)" },
  {
    file: "authfetch_cc",
    label: "authfetch from `@authfetch/authfetch/client-credentials` (`dist/`)",
  },
  { file: "authfetch_src", label: "authfetch from its TypeScript sources (`mod.ts`)" },
  { file: "badgateway", label: "@badgateway/oauth2-client 3 `OAuth2Fetch`" },
  { file: "openid_client", label: "openid-client 6 `clientCredentialsGrant`" },
];

await requireValgrind("bench/cold_instructions.ts");

const { base, stop } = await startServer();
const counts = new Map<string, { whole: number; load: number }>();
try {
  for (const { file } of CLIENTS) {
    const args = [
      "run",
      "-A",
      "--lock=tests/deno.lock",
      new URL(`./compare/${file}.ts`, import.meta.url).pathname,
      base,
    ];
    const whole: number[] = [];
    const load: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      whole.push(await instructions(args, { BENCH_NO_CALL: "0" }, '"uptime"', root.pathname));
      load.push(await instructions(args, { BENCH_NO_CALL: "1" }, '"uptime"', root.pathname));
    }
    counts.set(file, { whole: median(whole), load: median(load) });
  }
} finally {
  await stop();
}

const m = (n: number) => `${(n / 1e6).toFixed(1)} M`;
const empty = counts.get("empty")!.whole;
const peer = counts.get("badgateway")!;
const lines = [
  `Deno ${Deno.version.deno}; instructions of a whole cold process (valgrind --tool=callgrind, all ` +
  `threads; median of ${REPEATS}); "over Deno" subtracts the empty program.`,
  "",
  "| client | whole process | over Deno | of which: load / first call | whole vs @badgateway |",
  "|---|---|---|---|---|",
];
for (const { file, label } of CLIENTS) {
  const { whole, load } = counts.get(file)!;
  const isEmpty = file === "empty";
  lines.push(
    `| ${label} | ${m(whole)} | ${isEmpty ? "—" : m(whole - empty)} | ${
      isEmpty ? "—" : `${m(load - empty)} / ${m(whole - load)}`
    } | ${(whole / peer.whole).toFixed(2)}× |`,
  );
}
lines.push("");
for (const file of ["authfetch", "authfetch_cc"]) {
  const mine = counts.get(file)!;
  lines.push(
    `- ${file} vs @badgateway, whole process: ${(mine.whole / peer.whole).toFixed(3)}× (goal ≤ ` +
      `1.00×: ${mine.whole <= peer.whole ? "met" : "not met"}); loading ${
        (mine.load / peer.load).toFixed(3)
      }×, the first call ${((mine.whole - mine.load) / (peer.whole - peer.load)).toFixed(2)}×`,
  );
}
console.log(lines.join("\n"));
