/**
 * What each piece of authfetch's first call costs on its own, in CPU instructions: the plain `fetch`
 * cold-start program with one piece added per run (`bench/calls/first_call_pieces.ts` lists them),
 * each run counted whole under `valgrind --tool=callgrind` (`bench/_valgrind.ts`), and its
 * difference from the plain program. The first use of a platform API compiles Deno's JavaScript
 * for it, so pieces that share code (`abort` and `deadline`, `headers` and `request`) cost less
 * together than apart; the last row adds the pieces authfetch's first call has together.
 *
 * Needs valgrind (Debian: `apt-get install valgrind`); each run takes 10–20 s under it.
 * Run: `deno run -A --lock=tests/deno.lock bench/first_call_pieces.ts`.
 *
 * @module
 */

import { instructions, requireValgrind, startServer } from "./_valgrind.ts";

const root = new URL("../", import.meta.url);
const RUNS = [
  "",
  "deadline",
  "any",
  "abort",
  "placeholder",
  "headers",
  "text",
  "patterns",
  "url",
  "request",
  "deadline,placeholder,headers,text,patterns,url,request",
];

await requireValgrind("bench/first_call_pieces.ts");
const { base, stop } = await startServer();
const counts = new Map<string, number>();
try {
  for (const pieces of RUNS) {
    const args = [
      "run",
      "-A",
      "--lock=tests/deno.lock",
      new URL("./calls/first_call_pieces.ts", import.meta.url).pathname,
      base,
    ];
    counts.set(
      pieces,
      await instructions(args, { BENCH_PIECES: pieces }, '"uptime"', root.pathname),
    );
  }
} finally {
  await stop();
}
const plain = counts.get("")!;
const m = (n: number) => `${(n / 1e6).toFixed(1)} M`;
const lines = [
  `Deno ${Deno.version.deno}; instructions of the plain \`fetch\` cold-start program with pieces added.`,
  "",
  "| pieces | whole process | over plain `fetch` |",
  "|---|---|---|",
];
for (const [pieces, count] of counts) {
  lines.push(
    `| ${pieces === "" ? "none (plain `fetch`)" : pieces.replaceAll(",", ", ")} | ${m(count)} | ${
      pieces === "" ? "—" : `${count >= plain ? "+" : ""}${m(count - plain)}`
    } |`,
  );
}
console.log(lines.join("\n"));
