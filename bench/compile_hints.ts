/**
 * What the compile hints of `scripts/compile_hints.ts` save, in CPU instructions of the whole
 * cold-start process (`bench/compare/_client.ts`'s program: a client-credentials token request and
 * one API call), and what Deno's eager loading of `import()` targets costs. `dist/` is built twice in
 * this run, with and without the hints, into two temporary directories, and the same program runs
 * against each:
 *
 * - from `@authfetch/authfetch/client-credentials` and from `@authfetch/authfetch`;
 * - as `deno run` starts by default, and with `--unstable-lazy-dynamic-imports` (Deno then loads an
 *   `import()` target when it runs, not before the first line: the client-credentials path never
 *   imports jose, so Deno does not set up npm resolution; see README, "Cold start");
 * - with `--no-code-cache`, the first run on a machine, when nothing is cached: the hints then cost
 *   compiling functions a call does not run.
 *
 * @badgateway/oauth2-client's program runs in the same session as the reference. Counts are taken
 * under `valgrind --tool=callgrind` (`bench/_valgrind.ts`): about 15 s a run.
 *
 * Run: `deno run -A --lock=tests/deno.lock bench/compile_hints.ts`.
 *
 * @module
 */

import { build } from "../scripts/build.ts";
import { instructions, requireValgrind, startServer } from "./_valgrind.ts";

const root = new URL("../", import.meta.url);
const m = (n: number) => `${(n / 1e6).toFixed(1)} M`;

await requireValgrind("bench/compile_hints.ts");

/** A built package with a cold-start program for each entry, in a directory of its own. */
async function packageDir(hints: boolean): Promise<string> {
  const dir = await build({ hints });
  await Deno.copyFile(new URL("deno.json", root), `${dir}/deno.json`);
  // the tests' lock, copied: Deno may write to a lock, and the bench leaves the tree as it was
  await Deno.copyFile(new URL("tests/deno.lock", root), `${dir}/deno.lock`);
  for (
    const [name, entry] of [["cc", "./dist/src/client_credentials.js"], ["main", "./dist/mod.js"]]
  ) {
    await Deno.writeTextFile(
      `${dir}/${name}.ts`,
      [
        `import * as authfetch from "${entry}";`,
        `import { coldRun } from "${new URL("bench/compare/_client.ts", root)}";`,
        `import { clientOf } from "${new URL("bench/compare/_authfetch_client.ts", root)}";`,
        "await coldRun(clientOf(authfetch));",
        "",
      ].join("\n"),
    );
  }
  return dir;
}

const dirs = { hinted: await packageDir(true), plain: await packageDir(false) };
const { base, stop } = await startServer();
const rows: string[] = [];
try {
  const count = (cwd: string, program: string, flags: string[]) =>
    instructions(
      ["run", "-A", ...flags, `--lock=${cwd}/deno.lock`, program, base],
      { BENCH_NO_CALL: "0" },
      '"uptime"',
      cwd,
    );
  const badgateway = new URL("bench/compare/badgateway.ts", root).pathname;
  const lazy = ["--unstable-lazy-dynamic-imports"];
  const reference = {
    default: await count(`${root.pathname}tests`, badgateway, []),
    lazy: await count(`${root.pathname}tests`, badgateway, lazy),
  };
  const cases: { label: string; program: string; flags: string[]; vs?: number }[] = [
    { label: "client-credentials entry", program: "cc.ts", flags: [], vs: reference.default },
    {
      label: "client-credentials entry, `--unstable-lazy-dynamic-imports`",
      program: "cc.ts",
      flags: lazy,
      vs: reference.lazy,
    },
    {
      label: "client-credentials entry, `--no-code-cache`",
      program: "cc.ts",
      flags: ["--no-code-cache"],
    },
    { label: "main entry (`mod.ts`)", program: "main.ts", flags: [], vs: reference.default },
    {
      label: "main entry, `--unstable-lazy-dynamic-imports`",
      program: "main.ts",
      flags: lazy,
      vs: reference.lazy,
    },
  ];
  rows.push(
    `Deno ${Deno.version.deno}; whole-process instructions of one cold start (token request and one API call).`,
    `@badgateway/oauth2-client in the same run: ${
      m(reference.default)
    }; with \`--unstable-lazy-dynamic-imports\` ${m(reference.lazy)}.`,
    "",
    "| authfetch program | without hints | with hints | saved | with hints vs @badgateway |",
    "|---|---|---|---|---|",
  );
  for (const { label, program, flags, vs } of cases) {
    const plain = await count(dirs.plain, `${dirs.plain}/${program}`, flags);
    const hinted = await count(dirs.hinted, `${dirs.hinted}/${program}`, flags);
    rows.push(
      `| ${label} | ${m(plain)} | ${m(hinted)} | ${m(plain - hinted)} | ${
        vs === undefined ? "—" : `${(hinted / vs).toFixed(2)}×`
      } |`,
    );
  }
} finally {
  await stop();
  await Deno.remove(dirs.hinted, { recursive: true });
  await Deno.remove(dirs.plain, { recursive: true });
}
console.log(rows.join("\n"));
