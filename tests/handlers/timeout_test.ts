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
