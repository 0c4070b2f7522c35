/**
 * Run by deadlines_test.ts in its own process: makes calls against the parent's fault server (token
 * endpoint and API), one after another, and prints one JSON line per call (`{ name, error, ms }`), then
 * `END`. The parent checks each call ended within its deadline with the documented error, and that this
 * process exits at once after `END`.
 *
 * Usage: deno run -A tests/reliability/_deadline_child.ts <tokenUrl> <apiUrl>
 *
 * @module
 */

import { clientCredentials, createFetch, timeout, tokenSource } from "../../mod.ts";

const [tokenUrl, apiUrl] = Deno.args;
const DEADLINE = 300;

async function call(name: string, run: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  let error = "none";
  try {
    await run();
  } catch (e) {
    error = (e as Error).name;
  }
  console.log(JSON.stringify({ name, error, ms: Math.round(performance.now() - started) }));
}

function grant(limit = DEADLINE) {
  return clientCredentials({
    tokenUrl,
    clientId: "client",
    clientSecret: "secret",
    timeout: limit,
  });
}

function abortAfter(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
}

// The parent scripts one token fault per token call and one API fault per API call, in this order.
await call("token: headers then silence", () => tokenSource(grant()).getToken());
await call("token: one byte per second", () => tokenSource(grant()).getToken());
await call("token: reset mid-body", () => tokenSource(grant()).getToken());
await call("token: shared request, every waiter aborts", async () => {
  const tokens = tokenSource(grant(30_000));
  const a = tokens.getToken({ signal: abortAfter(100) });
  const b = tokens.getToken({ signal: abortAfter(150) });
  const outcomes = await Promise.allSettled([a, b]);
  throw (outcomes[1] as PromiseRejectedResult).reason;
});
await call("api: headers then silence, timeout(ms, { body: true })", async () => {
  const api = createFetch([timeout(DEADLINE, { body: true })]);
  await (await api(`${apiUrl}a`)).text();
});
await call("api: one byte per second, timeout(ms, { body: true })", async () => {
  const api = createFetch([timeout(DEADLINE, { body: true })]);
  await (await api(`${apiUrl}b`)).text();
});
await call("api: reset mid-body", async () => {
  const api = createFetch([timeout(DEADLINE, { body: true })]);
  await (await api(`${apiUrl}c`)).text();
});
await call(
  "api: headers then silence, caller aborts the body read, timeout() in the pipeline",
  async () => {
    const api = createFetch([timeout(30_000)]);
    await (await api(`${apiUrl}d`, { signal: abortAfter(DEADLINE) })).text();
  },
);
await call("api: one byte per second, caller aborts the body read, no timeout()", async () => {
  const api = createFetch([]);
  await (await api(`${apiUrl}e`, { signal: abortAfter(DEADLINE) })).text();
});
console.log("END");
