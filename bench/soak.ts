/**
 * Soak run: `deno task soak` (or `deno run -A --v8-flags=--expose-gc bench/soak.ts [requests]`).
 *
 * Sends 200,000 requests through `createFetch([retry(), auth(tokens)])` to a local server whose tokens
 * expire every few seconds and which injects 1 % faults (500/503/429, half with `Retry-After: 0`, and
 * bodies cut off mid-stream), then reports heap before/after, errors by type, token requests and the
 * p50/p99 latency the pipeline adds over plain `fetch`.
 *
 * Environment: SOAK_REQUESTS (200000), SOAK_CONCURRENCY (64), SOAK_TOKEN_SECONDS (3), SOAK_FAULT_RATE (0.01).
 *
 * @module
 */

import { auth, clientCredentials, createFetch, retry, tokenSource } from "../mod.ts";

const REQUESTS = Number(Deno.args[0] ?? Deno.env.get("SOAK_REQUESTS") ?? 200_000);
const CONCURRENCY = Number(Deno.env.get("SOAK_CONCURRENCY") ?? 64);
const TOKEN_SECONDS = Number(Deno.env.get("SOAK_TOKEN_SECONDS") ?? 3);
const FAULT_RATE = Number(Deno.env.get("SOAK_FAULT_RATE") ?? 0.01);
const LATENCY_SAMPLE = Math.min(20_000, REQUESTS);

const gc = (globalThis as { gc?: () => void }).gc;

function heapMiB(): number {
  gc?.();
  gc?.();
  return Deno.memoryUsage().heapUsed / 2 ** 20;
}

// --- the server: token endpoint + API, in this process -------------------------------------------
let seed = 42;
/** mulberry32: a seeded generator, so every run injects the same faults. */
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const tokens = new Map<string, number>();
const server = {
  tokenRequests: 0,
  apiRequests: 0,
  api401: 0,
  faults: {} as Record<string, number>,
};
let serial = 0;

function fault(kind: string): void {
  server.faults[kind] = (server.faults[kind] ?? 0) + 1;
}

// Deno.serve logs the injected stream errors; keep the report readable.
const consoleError = console.error;
console.error = (...args: unknown[]) => {
  if (args.some((a) => a instanceof Error && a.message === "cut")) return;
  consoleError(...args);
};

function brokenBody(): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"ok":tr'));
      controller.error(new Error("cut"));
    },
  });
  return new Response(body, { headers: { "content-type": "application/json" } });
}

function injected(): Response | undefined {
  if (random() >= FAULT_RATE) return undefined;
  const r = random();
  if (r < 0.25) {
    fault("500");
    return new Response("fault", { status: 500 });
  }
  if (r < 0.5) {
    fault("503 Retry-After: 0");
    return new Response("fault", { status: 503, headers: { "retry-after": "0" } });
  }
  if (r < 0.75) {
    fault("429 Retry-After: 0");
    return new Response("fault", { status: 429, headers: { "retry-after": "0" } });
  }
  fault("body cut mid-stream");
  return brokenBody();
}

const httpServer = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/plain") return new Response('{"ok":true}');
    if (url.pathname === "/token") {
      server.tokenRequests++;
      await request.body?.cancel();
      const failure = injected();
      if (failure) return failure;
      const accessToken = `at-${++serial}-${crypto.randomUUID()}`;
      tokens.set(accessToken, Date.now() + TOKEN_SECONDS * 1000);
      // forget long-expired tokens so the server itself does not grow
      if (serial % 64 === 0) {
        for (const [t, exp] of tokens) if (exp < Date.now() - 60_000) tokens.delete(t);
      }
      return Response.json({
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: TOKEN_SECONDS,
      });
    }
    server.apiRequests++;
    const token = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt === undefined || expiresAt <= Date.now()) {
      server.api401++;
      return new Response(null, {
        status: 401,
        headers: { "www-authenticate": 'Bearer error="invalid_token"' },
      });
    }
    return injected() ?? new Response('{"ok":true}');
  },
);
const origin = `http://127.0.0.1:${httpServer.addr.port}`;

// --- clients -----------------------------------------------------------------------------------------
const source = tokenSource(clientCredentials({
  tokenUrl: `${origin}/token`,
  clientId: "soak",
  clientSecret: "soak-secret",
  retry: { retries: 3, baseDelay: 5, maxDelay: 50 },
}));
const api = createFetch([retry({ baseDelay: 5, maxDelay: 50 }), auth(source)]);

async function run(
  count: number,
  call: (i: number) => Promise<Response>,
  latencies?: Float64Array,
): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  let next = 0;
  const note = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const start = performance.now();
      try {
        const response = await call(i);
        await response.text();
        note(`HTTP ${response.status}`);
      } catch (error) {
        note((error as Error)?.name ?? "unknown");
      }
      if (latencies) latencies[i] = performance.now() - start;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcomes;
}

function percentile(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// warm up both paths (JIT, connection pool)
await run(2_000, () => fetch(`${origin}/plain`));
await run(2_000, () => api(`${origin}/plain`));

// --- latency: plain fetch vs the pipeline, no faults (the /plain route), interleaved in blocks --------
const plainLat = new Float64Array(LATENCY_SAMPLE);
const pipeLat = new Float64Array(LATENCY_SAMPLE);
const BLOCK = 2_000;
for (let offset = 0; offset < LATENCY_SAMPLE; offset += BLOCK) {
  const n = Math.min(BLOCK, LATENCY_SAMPLE - offset);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  await run(n, () => fetch(`${origin}/plain`), a);
  await run(n, () => api(`${origin}/plain`), b);
  plainLat.set(a, offset);
  pipeLat.set(b, offset);
}

// --- the soak --------------------------------------------------------------------------------------
const heapBefore = heapMiB();
const heapSamples: number[] = [];
const started = performance.now();
const outcomes: Record<string, number> = {};
const QUARTER = Math.ceil(REQUESTS / 4);
for (let done = 0; done < REQUESTS; done += QUARTER) {
  const n = Math.min(QUARTER, REQUESTS - done);
  const part = await run(n, (i) => api(`${origin}/api/items/${done + i}`));
  for (const [k, v] of Object.entries(part)) outcomes[k] = (outcomes[k] ?? 0) + v;
  heapSamples.push(heapMiB());
}
const seconds = (performance.now() - started) / 1000;
const heapAfter = heapMiB();
await httpServer.shutdown();

const expiries = Math.ceil(seconds / TOKEN_SECONDS);
const report = {
  requests: REQUESTS,
  concurrency: CONCURRENCY,
  seconds: Number(seconds.toFixed(1)),
  requestsPerSecond: Math.round(REQUESTS / seconds),
  outcomes,
  lost: REQUESTS - Object.values(outcomes).reduce((a, b) => a + b, 0),
  injectedFaults: server.faults,
  tokenLifetimeSeconds: TOKEN_SECONDS,
  tokenRequests: server.tokenRequests,
  tokenLifetimesElapsed: expiries,
  apiRequests: server.apiRequests,
  api401: server.api401,
  heapMiB: {
    before: Number(heapBefore.toFixed(1)),
    quarters: heapSamples.map((h) => Number(h.toFixed(1))),
    after: Number(heapAfter.toFixed(1)),
    gcAvailable: gc !== undefined,
  },
  latencyMs: {
    sample: LATENCY_SAMPLE,
    plain: { p50: percentile(plainLat, 0.5), p99: percentile(plainLat, 0.99) },
    pipeline: { p50: percentile(pipeLat, 0.5), p99: percentile(pipeLat, 0.99) },
    addedP50: percentile(pipeLat, 0.5) - percentile(plainLat, 0.5),
    addedP99: percentile(pipeLat, 0.99) - percentile(plainLat, 0.99),
  },
};
console.log(JSON.stringify(report, (_k, v) => typeof v === "number" ? Number(v.toFixed(3)) : v, 2));
