import assert from "node:assert/strict";
import { createFetch, type Fetch, parseRetryAfter, retry, type RetryEvent } from "../../mod.ts";

function scripted(responses: Array<Response | Error>) {
  let calls = 0;
  const bodies: string[] = [];
  const fetch: Fetch = async (input, init) => {
    const request = new Request(input, init);
    if (request.body) bodies.push(await request.text());
    const next = responses[Math.min(calls++, responses.length - 1)];
    if (next instanceof Error) throw next;
    return next.clone();
  };
  return { fetch, calls: () => calls, bodies };
}

Deno.test("retry() retries 503 twice by default then returns the last response", async () => {
  const { fetch, calls } = scripted([new Response("busy", { status: 503 })]);
  const api = createFetch([retry({ baseDelay: 1 })], { fetch });
  assert.equal((await api("https://a.example/")).status, 503);
  assert.equal(calls(), 3);
});

Deno.test("retry() honours Retry-After in seconds", async () => {
  const events: RetryEvent[] = [];
  const { fetch } = scripted([
    new Response(null, { status: 429, headers: { "retry-after": "0" } }),
    new Response("ok"),
  ]);
  const api = createFetch([retry({ onRetry: (e) => events.push(e) })], { fetch });
  assert.equal((await api("https://a.example/x?secret=1")).status, 200);
  assert.equal(events.length, 1);
  assert.equal(events[0].delay, 0);
  assert.equal(events[0].status, 429);
  assert.equal(events[0].url, "https://a.example/x", "no query in events");
  assert.equal(parseRetryAfter("120", 0), 120_000);
});

Deno.test("retry() honours Retry-After as an HTTP date", async () => {
  const now = Date.parse("Wed, 25 Nov 2026 10:00:00 GMT");
  assert.equal(parseRetryAfter("Wed, 25 Nov 2026 10:00:02 GMT", now), 2_000);
  assert.equal(parseRetryAfter("Wed, 25 Nov 2026 09:00:00 GMT", now), 0);
  const events: RetryEvent[] = [];
  const { fetch } = scripted([
    new Response(null, {
      status: 503,
      headers: { "retry-after": "Wed, 25 Nov 2026 10:00:00 GMT" },
    }),
    new Response("ok"),
  ]);
  const api = createFetch([retry({ now: () => now, onRetry: (e) => events.push(e) })], { fetch });
  assert.equal((await api("https://a.example/")).status, 200);
  assert.equal(events[0].delay, 0);
});

Deno.test("retry() ignores malformed Retry-After and returns responses asking for too long a wait", async () => {
  for (const bad of ["soon", "-1", "1.5", "", "Wed, 99 Foo 2026", "9".repeat(30)]) {
    assert.equal(parseRetryAfter(bad, 0), undefined, bad);
  }
  const { fetch, calls } = scripted([
    new Response(null, { status: 503, headers: { "retry-after": "3600" } }),
  ]);
  const api = createFetch([retry({ maxRetryAfter: 10_000 })], { fetch });
  assert.equal((await api("https://a.example/")).status, 503);
  assert.equal(calls(), 1);
});

Deno.test("retry() uses exponential backoff with full jitter within bounds", async () => {
  const events: RetryEvent[] = [];
  const { fetch } = scripted([new Response(null, { status: 500 })]);
  const api = createFetch([
    retry({
      retries: 4,
      baseDelay: 10,
      maxDelay: 25,
      random: () => 0.999,
      onRetry: (e) => events.push(e),
    }),
  ], { fetch });
  await api("https://a.example/");
  assert.deepEqual(events.map((e) => e.delay), [9, 19, 24, 24]);
});

Deno.test("retry() retries network errors for idempotent methods only", async () => {
  const get = scripted([new TypeError("connection reset"), new Response("ok")]);
  assert.equal(
    (await createFetch([retry({ baseDelay: 1 })], { fetch: get.fetch })("https://a.example/"))
      .status,
    200,
  );
  const post = scripted([new TypeError("connection reset"), new Response("ok")]);
  await assert.rejects(
    () =>
      createFetch([retry({ baseDelay: 1 })], { fetch: post.fetch })("https://a.example/", {
        method: "POST",
      }),
    TypeError,
  );
  assert.equal(post.calls(), 1);
});

Deno.test("retry() replays request bodies", async () => {
  const s = scripted([new Response(null, { status: 502 }), new Response("ok")]);
  const api = createFetch([retry({ baseDelay: 1 })], { fetch: s.fetch });
  await api("https://a.example/", { method: "PUT", body: "data" });
  assert.deepEqual(s.bodies, ["data", "data"]);
});

Deno.test("retry() stops at once when the caller aborts during backoff", async () => {
  const s = scripted([new Response(null, { status: 503 })]);
  const api = createFetch([retry({ baseDelay: 60_000, random: () => 0.5 })], { fetch: s.fetch });
  const controller = new AbortController();
  const started = performance.now();
  const pending = api("https://a.example/", { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("stop")), 10);
  await assert.rejects(() => pending, /stop/);
  assert.ok(performance.now() - started < 5_000);
  assert.equal(s.calls(), 1);
});

Deno.test("retry() rejects bad options with RangeError", () => {
  assert.throws(() => retry({ retries: -1 }), RangeError);
  assert.throws(() => retry({ retries: 1.5 }), RangeError);
  assert.throws(() => retry({ baseDelay: -5 }), RangeError);
  assert.throws(() => retry({ maxDelay: Infinity }), RangeError);
  assert.throws(() => retry({ statuses: [999] }), RangeError);
});
