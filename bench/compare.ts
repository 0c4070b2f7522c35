/**
 * authfetch side by side with @badgateway/oauth2-client (`OAuth2Fetch`), openid-client 6
 * (`clientCredentialsGrant`) and plain `fetch`, in one run, against one local server (token endpoint
 * and API, `bench/compare/server.ts`) in another process. Every figure is also given as a ratio to
 * plain `fetch` measured in the same run, paired (same round) and interleaved (the order rotates each
 * round), so machine drift cancels out:
 *
 * - cold start: a whole process (`deno run`) that creates the client and makes one authenticated call
 *   (one token request, one API request), from spawn to exit; median of `BENCH_COLD_ROUNDS` (15)
 *   rounds, each running every client once. An empty Deno program shows Deno's own cost. authfetch
 *   is imported as a user imports it (`@authfetch/authfetch`, which runs `dist/`); one more row runs
 *   the same client from the TypeScript sources (`mod.ts`) to show what the build saves. Three
 *   more rows (authfetch's two entries and @badgateway) run with `--unstable-lazy-dynamic-imports`.
 * - peak memory: the same processes' `VmHWM` (peak resident set), median.
 * - CPU per cached call: process CPU time (user + system) of `BENCH_CPU_CALLS` sequential calls with a
 *   cached token, in this process, median of rounds.
 * - throughput: requests/s with a cached token, 32 concurrent callers, median of rounds.
 * - memory per 1,000 token sources: heap growth of 1,000 clients that each hold a token, in a process
 *   of its own per client (`bench/compare/sources.ts`), median of 3.
 * - bundle size: each client's client-credentials path, `deno bundle --minify`, gzip -9, what a
 *   browser loads first (entry chunk and its static imports), jose external and bundled.
 *
 * Run: `deno run -A bench/compare.ts` (part of `deno task bench`); it prints a markdown table.
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { measureBundle, type Measured } from "./bundle_size.ts";
import { median } from "./_median.ts";
import type { Call } from "./compare/_client.ts";
import { create as authfetch } from "./compare/authfetch.ts";
import { create as authfetchCc } from "./compare/authfetch_cc.ts";
import { create as badgateway } from "./compare/badgateway.ts";
import { create as openidClient } from "./compare/openid_client.ts";
import { create as plainFetch } from "./compare/plain_fetch.ts";

const COLD_ROUNDS = Number(Deno.env.get("BENCH_COLD_ROUNDS") ?? 15);
const HOT_ROUNDS = Number(Deno.env.get("BENCH_HOT_ROUNDS") ?? 16);
const CPU_CALLS = Number(Deno.env.get("BENCH_CPU_CALLS") ?? 400);
const PER_ROUND = Number(Deno.env.get("BENCH_REQUESTS") ?? 1_500);
const SOURCE_RUNS = Number(Deno.env.get("BENCH_SOURCE_RUNS") ?? 3);
const CONCURRENCY = 32;
const here = new URL("./compare/", import.meta.url);
const root = new URL("../", import.meta.url);

interface Client {
  /** Row label. */
  label: string;
  /** File name in bench/compare/ (without `.ts`). */
  file: string;
  /** Factory for in-process measurements. */
  create?: (base: string) => Call;
  /** Entry module for the bundle, `undefined` for none. */
  bundle?: string;
  /** The row's key when one file has several rows (default: `file`). */
  id?: string;
  /** `deno run` flags of its cold start. */
  flags?: string[];
}

const idOf = (client: Client) => client.id ?? client.file;

const CLIENTS: Client[] = [
  {
    label: "plain `fetch` (by hand)",
    file: "plain_fetch",
    create: plainFetch,
    bundle: `export { create } from ${JSON.stringify(new URL("plain_fetch.ts", here).href)};`,
  },
  {
    label:
      "authfetch `createFetch([retry(), auth(tokenSource(clientCredentials(…)))])` (the package: `dist/`)",
    file: "authfetch",
    create: authfetch,
    bundle: `export { auth, clientCredentials, createFetch, retry, tokenSource } from ${
      JSON.stringify(new URL("mod.ts", root).href)
    };`,
  },
  {
    label:
      "authfetch, the same client from its client-credentials entry point (`@authfetch/authfetch/client-credentials`: `dist/`)",
    file: "authfetch_cc",
    create: authfetchCc,
    bundle: `export { auth, clientCredentials, createFetch, retry, tokenSource } from ${
      JSON.stringify(new URL("src/client_credentials.ts", root).href)
    };`,
  },
  {
    label: "@badgateway/oauth2-client 3 `OAuth2Fetch`",
    file: "badgateway",
    create: badgateway,
    bundle: 'export { OAuth2Client, OAuth2Fetch } from "npm:@badgateway/oauth2-client@^3.3.1";',
  },
  {
    label: "openid-client 6 `clientCredentialsGrant`",
    file: "openid_client",
    create: openidClient,
    bundle:
      'export { clientCredentialsGrant, Configuration, fetchProtectedResource } from "npm:openid-client@^6.9.0";',
  },
];
const EMPTY: Client = { label: "empty Deno program (Deno's own cost)", file: "empty" };
/** Cold start only: what `dist/` buys over running the TypeScript sources. */
const FROM_SOURCES: Client = {
  label: "authfetch, the same client run from its TypeScript sources (`mod.ts`)",
  file: "authfetch_src",
};

/**
 * Cold start only, run with `--unstable-lazy-dynamic-imports`: Deno then loads an `import()` target
 * when it runs, not before the program's first line, so a graph that names npm:jose behind `import()`
 * no longer makes it set up npm resolution (README, "Cold start"). @badgateway runs the same way.
 */
const LAZY = ["--unstable-lazy-dynamic-imports"];
const LAZY_ROWS: Client[] = [
  {
    label: "authfetch (`dist/`), `--unstable-lazy-dynamic-imports`",
    file: "authfetch",
    id: "authfetch_lazy",
    flags: LAZY,
  },
  {
    label:
      "authfetch from `@authfetch/authfetch/client-credentials`, `--unstable-lazy-dynamic-imports`",
    file: "authfetch_cc",
    id: "authfetch_cc_lazy",
    flags: LAZY,
  },
  {
    label: "@badgateway/oauth2-client 3, `--unstable-lazy-dynamic-imports`",
    file: "badgateway",
    id: "badgateway_lazy",
    flags: LAZY,
  },
];

const rotate = <T>(xs: T[], by: number) => xs.map((_, i) => xs[(i + by) % xs.length]);

// ---- the server, in its own process ----
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL("server.ts", here).pathname],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const portLine = await server.stdout.pipeThrough(new TextDecoderStream()).getReader().read();
const base = `http://127.0.0.1:${Number(portLine.value?.trim())}`;

// ---- cold start and peak memory: one process per client per round ----
interface ColdRun {
  wall: number;
  ready: number;
  uptime: number;
  peakRss: number;
}

async function cold(client: Client): Promise<ColdRun> {
  const started = performance.now();
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    // the tests' lock: the peers are bench-only packages, never written to the root lock
    args: [
      "run",
      "-A",
      ...client.flags ?? [],
      "--lock=tests/deno.lock",
      new URL(`${client.file}.ts`, here).pathname,
      base,
    ],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = performance.now() - started;
  if (!success) throw new Error(`${client.file}: ${new TextDecoder().decode(stderr)}`);
  const report = JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
  return { wall, ...report };
}

const coldClients = [EMPTY, FROM_SOURCES, ...CLIENTS, ...LAZY_ROWS];
for (const client of coldClients) await cold(client); // caches warm, not counted
const colds = new Map<string, ColdRun[]>(coldClients.map((c) => [idOf(c), []]));
for (let round = 0; round < COLD_ROUNDS; round++) {
  for (const client of rotate(coldClients, round)) {
    colds.get(idOf(client))!.push(await cold(client));
  }
}

// ---- CPU per cached call and throughput, in this process ----
const calls = new Map(CLIENTS.map((c) => [c.file, c.create!(base)]));
async function callOk(call: Call): Promise<void> {
  const response = await call(`${base}/api`);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`API answered ${response.status}`);
}
async function cpuPerCall(call: Call): Promise<number> {
  const before = cpuUsage();
  for (let i = 0; i < CPU_CALLS; i++) await callOk(call);
  const used = cpuUsage(before);
  return (used.user + used.system) / CPU_CALLS; // µs
}
async function throughput(call: Call): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < PER_ROUND) await callOk(call);
  }));
  return PER_ROUND / ((performance.now() - started) / 1000);
}
for (const call of calls.values()) {
  await cpuPerCall(call); // first call (the token) and warm-up
  await throughput(call);
}
const cpu = new Map<string, number[]>(CLIENTS.map((c) => [c.file, []]));
const rate = new Map<string, number[]>(CLIENTS.map((c) => [c.file, []]));
for (let round = 0; round < HOT_ROUNDS; round++) {
  for (const client of rotate(CLIENTS, round)) {
    cpu.get(client.file)!.push(await cpuPerCall(calls.get(client.file)!));
  }
  for (const client of rotate(CLIENTS, round)) {
    rate.get(client.file)!.push(await throughput(calls.get(client.file)!));
  }
}

// ---- memory per 1,000 token sources: a process per client, interleaved ----
async function sources(client: Client): Promise<number> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--lock=tests/deno.lock",
      "--v8-flags=--expose-gc",
      new URL("sources.ts", here).pathname,
      client.file,
      base,
    ],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`${client.file}: ${new TextDecoder().decode(stderr)}`);
  return JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!).bytes;
}
const heap = new Map<string, number[]>(CLIENTS.map((c) => [c.file, []]));
for (let run = 0; run < SOURCE_RUNS; run++) {
  for (const client of rotate(CLIENTS, run)) heap.get(client.file)!.push(await sources(client));
}

server.kill();
await server.status;

// ---- bundle sizes ----
const bundles = new Map<string, { own: Measured; whole: Measured }>();
for (const client of CLIENTS) {
  bundles.set(client.file, {
    own: await measureBundle(client.bundle!, true, true),
    whole: await measureBundle(client.bundle!, false, true),
  });
}

// ---- the table ----
const PLAIN = "plain_fetch";
/** Median over rounds of each round's ratio to plain fetch (pairs measured in the same round). */
function pairedRatio(series: Map<string, number[]>, file: string, pick = (x: number) => x): number {
  const mine = series.get(file)!;
  const plain = series.get(PLAIN)!;
  return median(mine.map((x, i) => pick(x) / pick(plain[i])));
}
const coldSeries = (pick: (r: ColdRun) => number) =>
  new Map([...colds].map(([file, runs]) => [file, runs.map(pick)]));
const wall = coldSeries((r) => r.wall);
const rss = coldSeries((r) => r.peakRss);
const firstCall = coldSeries((r) => r.uptime - r.ready);
const load = coldSeries((r) => r.ready);
const ms = (x: number) => `${x.toFixed(1)} ms`;
const mb = (x: number) => `${(x / 1048576).toFixed(1)} MB`;
const kb = (x: number) => `${(x / 1024).toFixed(1)} KB`;
const x = (r: number) => `${r.toFixed(2)}×`;
const cell = (value: string, ratio?: number) =>
  ratio === undefined ? value : `${value} (${x(ratio)})`;

const lines: string[] = [];
lines.push(
  `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores; ${COLD_ROUNDS} cold rounds, ` +
    `${HOT_ROUNDS} hot rounds; ratios are to plain \`fetch\` in the same run (median of per-round ratios).`,
  "",
  "| client | cold start, whole process | of which: load modules / first call | peak memory | CPU per cached call | throughput, cached token | heap per 1,000 token sources | client-credentials path, gzip (jose external / bundled) |",
  "|---|---|---|---|---|---|---|---|",
);
const rows = [...CLIENTS];
rows.splice(rows.findIndex((c) => c.file === "authfetch") + 1, 0, FROM_SOURCES);
for (const client of [...rows, EMPTY, ...LAZY_ROWS]) {
  const f = idOf(client);
  // the empty program, the from-sources row and the lazy rows have cold-start figures only
  const coldOnly = client === EMPTY || client === FROM_SOURCES || LAZY_ROWS.includes(client);
  const ratio = (series: Map<string, number[]>) => f === PLAIN ? undefined : pairedRatio(series, f);
  const b = bundles.get(f);
  lines.push(
    `| ${client.label} | ${cell(ms(median(wall.get(f)!)), ratio(wall))} | ${
      ms(median(load.get(f)!))
    } / ${client === EMPTY ? "—" : ms(median(firstCall.get(f)!))} | ${
      cell(mb(median(rss.get(f)!)), ratio(rss))
    } | ${coldOnly ? "—" : cell(`${median(cpu.get(f)!).toFixed(0)} µs`, ratio(cpu))} | ${
      coldOnly ? "—" : cell(`${median(rate.get(f)!).toFixed(0)} req/s`, ratio(rate))
    } | ${coldOnly ? "—" : cell(kb(median(heap.get(f)!)), ratio(heap))} | ${
      b === undefined ? "—" : `${kb(b.own.initial.gzip)} / ${kb(b.whole.initial.gzip)}`
    } |`,
  );
}

// ---- goals (issue 15), from this run ----
const peers = ["badgateway", "openid_client"];
const vsPeer = (series: Map<string, number[]>, file: string, among = peers) => {
  const peer = among.reduce((best, p) =>
    median(series.get(p)!) < median(series.get(best)!) ? p : best
  );
  const mine = series.get(file)!;
  const theirs = series.get(peer)!;
  return { peer, ratio: median(mine.map((v, i) => v / theirs[i])) };
};
const goal = (ok: boolean) => ok ? "met" : "not met";
lines.push("");
for (
  const [file, name] of [
    ["authfetch", "`@authfetch/authfetch`"],
    ["authfetch_cc", "`@authfetch/authfetch/client-credentials`"],
  ]
) {
  const coldVs = vsPeer(wall, file);
  const rssVs = vsPeer(rss, file);
  const own = bundles.get(file)!;
  lines.push(
    `- ${name}: cold start vs the lightest peer (${coldVs.peer}): ${x(coldVs.ratio)} (goal ≤ ` +
      `1.00×: ${goal(coldVs.ratio <= 1)}); peak memory vs the lightest peer (${rssVs.peer}): ${
        x(rssVs.ratio)
      } (goal ≤ 1.00×: ${goal(rssVs.ratio <= 1)})`,
    `- ${name}: client-credentials path ${
      kb(own.whole.initial.gzip)
    } gzip with jose (goal ≤ 8 KB: ${goal(own.whole.initial.gzip <= 8192)}), ${
      kb(own.own.initial.gzip)
    } without (goal ≤ 4 KB: ${
      goal(own.own.initial.gzip <= 4096)
    }); everything including lazily loaded chunks: ${kb(own.whole.all.gzip)} with jose`,
    `- ${name}: throughput vs plain fetch: ${x(pairedRatio(rate, file))} (goal ≥ 0.97×: ${
      goal(pairedRatio(rate, file) >= 0.97)
    })`,
  );
}
for (
  const [file, name] of [
    ["authfetch_lazy", "`@authfetch/authfetch`"],
    ["authfetch_cc_lazy", "`@authfetch/authfetch/client-credentials`"],
  ]
) {
  const coldVs = vsPeer(wall, file, ["badgateway_lazy"]);
  const rssVs = vsPeer(rss, file, ["badgateway_lazy"]);
  lines.push(
    `- ${name} with \`--unstable-lazy-dynamic-imports\` (so is @badgateway): cold start ${
      x(coldVs.ratio)
    } (goal ≤ 1.00×: ${goal(coldVs.ratio <= 1)}); peak memory ${x(rssVs.ratio)} (goal ≤ 1.00×: ${
      goal(rssVs.ratio <= 1)
    })`,
  );
}
console.log(lines.join("\n"));
