/**
 * What a cold process's first call spends its CPU on: runs one `bench/compare/` client (default
 * `authfetch`) with the V8 inspector, starts the sampling profiler (50 µs) once its modules are
 * loaded, lets it make its first authenticated call against the compare server, and prints the self
 * time per script and per function, averaged over `BENCH_PROFILE_RUNS` runs (6), with Deno's own
 * scripts (`ext:`) and the client's files told apart. Samples whose interval was stretched by the OS
 * (the machine busy elsewhere) count as one interval, not as their length. Module loading is not in
 * the profile; the `ready` figure of `bench/compare.ts` measures it.
 *
 * Run: `deno run -A bench/cold_profile.ts [client]`, e.g. `authfetch`, `plain_fetch`, `badgateway`.
 * (`deno run --cpu-prof` does not exist in Deno 2.9; `--v8-flags=--prof` works with
 * `node --prof-process` but samples every 1 ms.)
 *
 * @module
 */

const client = Deno.args[0] ?? "authfetch";
const RUNS = Number(Deno.env.get("BENCH_PROFILE_RUNS") ?? 6);
const here = new URL("./compare/", import.meta.url);
const INTERVAL_US = 50;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function profileOnce(base: string): Promise<Profile> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--inspect=127.0.0.1:${port}`,
      new URL(`${client}.ts`, here).pathname,
      base,
    ],
    env: { BENCH_HOLD: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await stderr.read();
    if (done) throw new Error(`no inspector URL: ${text}`);
    text += value;
    url = /ws:\/\/\S+/.exec(text)?.[0];
  }
  const printed = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      if (chunk.includes("peakRss")) return;
    }
  })();
  const socket = new WebSocket(url);
  await new Promise((resolve) => socket.onopen = resolve);
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  };
  const send = (method: string, params: unknown = {}) =>
    new Promise<unknown>((resolve) => {
      pending.set(++id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: INTERVAL_US });
  await send("Profiler.start");
  const stdin = child.stdin.getWriter();
  await stdin.write(new Uint8Array([1])); // the client waits for this before its first call
  await printed;
  const { profile } = await send("Profiler.stop") as { profile: Profile };
  socket.close();
  await stdin.close();
  // never wait for the child forever
  const exited = await Promise.race([
    child.status.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3_000)),
  ]);
  if (!exited) {
    child.kill();
    await child.status;
  }
  await stderr.cancel();
  return profile;
}

const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL("server.ts", here).pathname],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const line = await server.stdout.pipeThrough(new TextDecoderStream()).getReader().read();
const base = `http://127.0.0.1:${Number(line.value?.trim())}`;

const byScript = new Map<string, number>();
const byFunction = new Map<string, number>();
let busy = 0;
for (let run = 0; run < RUNS; run++) {
  const profile = await profileOnce(base);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((nodeId, i) => {
    const frame = nodes.get(nodeId)!.callFrame;
    if (frame.functionName === "(idle)" || frame.functionName === "(program)") return;
    const ms = Math.min(profile.timeDeltas[i + 1] ?? 0, INTERVAL_US * 2) / 1000;
    const script = frame.url || `(${frame.functionName})`;
    const name = `${frame.functionName || "(anonymous)"} ${
      script.replace(/^file:\/\/.*?\/(src|bench)\//, "$1/")
    }:${frame.lineNumber + 1}`;
    busy += ms;
    byScript.set(script, (byScript.get(script) ?? 0) + ms);
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  });
}
server.kill();
await server.status;

const top = (map: Map<string, number>, n: number) =>
  [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) =>
    `${(v / RUNS).toFixed(2).padStart(7)} ms  ${k}`
  ).join("\n");
const own = [...byScript].filter(([k]) => k.startsWith("file:")).reduce((s, [, v]) => s + v, 0);
const deno = [...byScript].filter(([k]) => k.startsWith("ext:")).reduce((s, [, v]) => s + v, 0);
console.log(
  `${client}: ${(busy / RUNS).toFixed(1)} ms of JavaScript per cold run (mean of ${RUNS}); ` +
    `client and library files ${(own / RUNS).toFixed(1)} ms, Deno's ext: scripts ${
      (deno / RUNS).toFixed(1)
    } ms, the rest native (GC, ops)`,
);
console.log(`-- self time by script\n${top(byScript, 20)}`);
console.log(`-- self time by function\n${top(byFunction, 25)}`);
