import assert from "node:assert/strict";
import { createFetch, type Fetch, retry, timeout, TimeoutError } from "../../mod.ts";

const hanging: Fetch = (input, init) => {
  const request = new Request(input, init);
  return new Promise((_, reject) => {
    request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true });
  });
};

Deno.test("timeout() rejects an attempt that takes too long with TimeoutError", async () => {
  const api = createFetch([timeout(20)], { fetch: hanging });
  await assert.rejects(() => api("https://a.example/"), TimeoutError);
  assert.throws(() => timeout(0), RangeError);
});

Deno.test("timeout() composes with retry(): each attempt gets its own limit", async () => {
  let calls = 0;
  const fetch: Fetch = (input, init) => {
    calls++;
    return calls < 3 ? hanging(input, init) : Promise.resolve(new Response("ok"));
  };
  const api = createFetch([retry({ baseDelay: 1 }), timeout(20)], { fetch });
  assert.equal((await api("https://a.example/")).status, 200);
  assert.equal(calls, 3);
});

Deno.test("timeout() lets the caller's own abort through unchanged", async () => {
  const api = createFetch([timeout(10_000)], { fetch: hanging });
  const controller = new AbortController();
  const pending = api("https://a.example/", { signal: controller.signal });
  controller.abort(new Error("user cancelled"));
  await assert.rejects(() => pending, /user cancelled/);
});

/** A fetch that answers at once with a body that never ends, and records the signal it was given. */
function stalledBody(signals: AbortSignal[]): Fetch {
  return (input, init) => {
    signals.push(new Request(input, init).signal);
    return Promise.resolve(new Response(new ReadableStream({ pull: () => new Promise(() => {}) })));
  };
}

Deno.test("timeout(ms, { body: true }) errors a body that stalls after the headers with TimeoutError", async () => {
  const signals: AbortSignal[] = [];
  const api = createFetch([timeout(20, { body: true })], { fetch: stalledBody(signals) });
  const response = await api("https://a.example/");
  assert.equal(response.status, 200);
  await assert.rejects(() => response.text(), TimeoutError);
  assert.equal(signals[0].aborted, true, "the exchange was aborted");
});

Deno.test("timeout() without { body: true } ends its limit when the headers arrive", async () => {
  const signals: AbortSignal[] = [];
  const api = createFetch([timeout(1, { body: false })], { fetch: stalledBody(signals) });
  const response = await api("https://a.example/");
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(signals[0].aborted, false);
  await response.body?.cancel();
});

Deno.test("timeout() lets the caller's signal abort the body read, with or without { body: true }", async () => {
  for (const body of [false, true]) {
    const signals: AbortSignal[] = [];
    const api = createFetch([timeout(10_000, { body })], { fetch: stalledBody(signals) });
    const controller = new AbortController();
    const response = await api("https://a.example/", { signal: controller.signal });
    controller.abort(new Error("user cancelled"));
    assert.equal(signals[0].aborted, true, `body: ${body}`);
    if (body) await assert.rejects(() => response.text(), /user cancelled/);
    else await response.body?.cancel();
  }
});

Deno.test("timeout(ms, { body: true }) keeps the response's status, headers and URL", async () => {
  const api = createFetch([timeout(1_000, { body: true })], {
    fetch: () => Promise.resolve(new Response("hello", { status: 201, headers: { "x-a": "1" } })),
  });
  const response = await api("https://a.example/");
  assert.equal(response.status, 201);
  assert.equal(response.headers.get("x-a"), "1");
  assert.equal(await response.text(), "hello");
});
