/**
 * Cold start counted in CPU instructions instead of milliseconds: each `bench/compare/` client's
 * cold-start program (create the client, one authenticated call: one token request and one API
 * request, against `bench/compare/server.ts` in another process) runs under
 * `valgrind --tool=callgrind`, which counts the instructions every thread of the process executes.
 * The count does not depend on what else the machine is doing: the same program gives the same count
 * within about 0.1 %, so two clients differing by 1 % really differ, where wall times on a shared
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

const here = new URL("./compare/", import.meta.url);
const root = new URL("../", import.meta.url);
const REPEATS = Number(Deno.env.get("BENCH_INSTRUCTION_REPEATS") ?? 1);

const CLIENTS = [
  { file: "empty", label: "empty Deno program (Deno's own cost)" },
  { file: "plain_fetch", label: "plain `fetch` (by hand)" },
  { file: "authfetch", label: "authfetch (the package: `dist/`)" },
  { file: "authfetch_src", label: "authfetch from its TypeScript sources (`mod.ts`)" },
  { file: "badgateway", label: "@badgateway/oauth2-client 3 `OAuth2Fetch`" },
  { file: "openid_client", label: "openid-client 6 `clientCredentialsGrant`" },
];

async function hasValgrind(): Promise<boolean> {
  try {
    return (await new Deno.Command("valgrind", { args: ["--version"], stdout: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

if (!await hasValgrind()) {
  console.log(
    "bench/cold_instructions.ts: valgrind is not installed (apt-get install valgrind); skipped",
  );
  Deno.exit(0);
}

const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL("server.ts", here).pathname],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const portLine = await server.stdout.pipeThrough(new TextDecoderStream()).getReader().read();
const base = `http://127.0.0.1:${Number(portLine.value?.trim())}`;

const programArgs = (file: string) => [
  "run",
  "-A",
  "--lock=tests/deno.lock",
  new URL(`${file}.ts`, here).pathname,
  base,
];

/** One plain run (no valgrind): fills Deno's emit and code caches, so the counted run is warm. */
async function warm(file: string, noCall: boolean): Promise<void> {
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: programArgs(file),
    cwd: root.pathname,
    env: { BENCH_NO_CALL: noCall ? "1" : "0" },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`${file}: ${new TextDecoder().decode(stderr)}`);
}

/** The instructions of one run of the program under callgrind, every thread counted. */
async function instructions(file: string, noCall: boolean): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const { success, stdout, stderr } = await new Deno.Command("valgrind", {
      args: [
        "--tool=callgrind",
        `--callgrind-out-file=${dir}/out`,
        // V8 writes and runs machine code at run time
        "--smc-check=all-non-file",
        Deno.execPath(),
        ...programArgs(file),
      ],
      cwd: root.pathname,
      env: { BENCH_NO_CALL: noCall ? "1" : "0" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(stderr);
    if (!success || !new TextDecoder().decode(stdout).includes('"uptime"')) {
      throw new Error(`${file} under valgrind failed:\n${log.slice(-2000)}`);
    }
    const refs = /I\s+refs:\s+([\d,]+)/.exec(log);
    if (refs === null) throw new Error(`${file}: no instruction count in valgrind's output`);
    return Number(refs[1].replaceAll(",", ""));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const counts = new Map<string, { whole: number; load: number }>();
try {
  for (const { file } of CLIENTS) {
    for (let i = 0; i < 3; i++) {
      await warm(file, false);
      await warm(file, true);
    }
    const whole: number[] = [];
    const load: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      whole.push(await instructions(file, false));
      load.push(await instructions(file, true));
    }
    counts.set(file, { whole: median(whole), load: median(load) });
  }
} finally {
  server.kill();
  await server.status;
}

const m = (n: number) => `${(n / 1e6).toFixed(1)} M`;
const empty = counts.get("empty")!.whole;
const lines = [
  `Deno ${Deno.version.deno}; instructions of a whole cold process (valgrind --tool=callgrind, all threads; ` +
  `median of ${REPEATS}); "over Deno" subtracts the empty program.`,
  "",
  "| client | whole process | over Deno | of which: load / first call | whole vs @badgateway |",
  "|---|---|---|---|---|",
];
const peer = counts.get("badgateway")!;
for (const { file, label } of CLIENTS) {
  const { whole, load } = counts.get(file)!;
  const parts = file === "empty" ? "—" : `${m(load - empty)} / ${m(whole - load)}`;
  lines.push(
    `| ${label} | ${m(whole)} | ${file === "empty" ? "—" : m(whole - empty)} | ${parts} | ${
      (whole / peer.whole).toFixed(2)
    }× |`,
  );
}
const mine = counts.get("authfetch")!;
lines.push(
  "",
  `- authfetch vs @badgateway, whole process: ${
    (mine.whole / peer.whole).toFixed(3)
  }× (goal ≤ 1.00×: ${mine.whole <= peer.whole ? "met" : "not met"}); loading ${
    (mine.load / peer.load).toFixed(3)
  }×, the first call ${((mine.whole - mine.load) / (peer.whole - peer.load)).toFixed(2)}×`,
);
console.log(lines.join("\n"));
