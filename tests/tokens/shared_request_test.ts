import assert from "node:assert/strict";
import { type Grant, type Token, tokenSource } from "../../mod.ts";

/** A grant whose requests wait until released, recording the signal each was given. */
function pendingGrant() {
  const signals: AbortSignal[] = [];
  const releases: ((token: Token) => void)[] = [];
  const grant: Grant = {
    token(options) {
      const signal = options!.signal!;
      signals.push(signal);
      return new Promise<Token>((resolve, reject) => {
        releases.push(resolve);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    },
  };
  return { grant, signals, releases };
}

Deno.test("tokenSource() aborts a shared token request once every waiter has aborted", async () => {
  const { grant, signals } = pendingGrant();
  const tokens = tokenSource(grant);
  const first = new AbortController();
  const second = new AbortController();
  const a = tokens.getToken({ signal: first.signal });
  const b = tokens.getToken({ signal: second.signal });
  assert.equal(signals.length, 1, "one request for both callers");
  first.abort();
  await assert.rejects(a, { name: "AbortError" });
  assert.equal(signals[0].aborted, false, "the other caller still waits for it");
  second.abort();
  await assert.rejects(b, { name: "AbortError" });
  assert.equal(signals[0].aborted, true, "nobody waits: the request is aborted");
});

Deno.test("tokenSource() starts a new request for a caller that comes after an abandoned one", async () => {
  const { grant, signals, releases } = pendingGrant();
  const tokens = tokenSource(grant);
  const gone = new AbortController();
  const a = tokens.getToken({ signal: gone.signal });
  gone.abort();
  await assert.rejects(a, { name: "AbortError" });
  const b = tokens.getToken();
  assert.equal(signals.length, 2);
  releases[1]({ accessToken: "fresh", tokenType: "Bearer" });
  assert.equal((await b).accessToken, "fresh");
});

Deno.test("tokenSource() keeps a shared request going for a caller without a signal", async () => {
  const { grant, signals, releases } = pendingGrant();
  const tokens = tokenSource(grant);
  const gone = new AbortController();
  const a = tokens.getToken({ signal: gone.signal });
  const b = tokens.getToken();
  gone.abort();
  await assert.rejects(a, { name: "AbortError" });
  assert.equal(signals[0].aborted, false);
  releases[0]({ accessToken: "t", tokenType: "Bearer" });
  assert.equal((await b).accessToken, "t");
});

Deno.test("tokenSource() does not abort a background refresh when a waiting caller gives up", async () => {
  let now = 0;
  const signals: AbortSignal[] = [];
  let release: ((token: Token) => void) | undefined;
  const grant: Grant = {
    token(options) {
      signals.push(options!.signal!);
      if (signals.length === 1) {
        return Promise.resolve({ accessToken: "one", tokenType: "Bearer", expiresAt: 100_000 });
      }
      return new Promise<Token>((resolve) => release = resolve);
    },
  };
  const tokens = tokenSource(grant, { now: () => now, refreshBefore: 10_000 });
  assert.equal((await tokens.getToken()).accessToken, "one");
  now = 95_000; // inside the refresh window: a background refresh starts, the old token is returned
  assert.equal((await tokens.getToken()).accessToken, "one");
  now = 100_000; // expired: this caller waits for the background refresh, then gives up
  const gone = new AbortController();
  const waiting = tokens.getToken({ signal: gone.signal });
  gone.abort();
  await assert.rejects(waiting, { name: "AbortError" });
  assert.equal(signals.length, 2);
  assert.equal(signals[1].aborted, false, "the background refresh goes on");
  release!({ accessToken: "two", tokenType: "Bearer", expiresAt: 200_000 });
  assert.equal((await tokens.getToken()).accessToken, "two");
});
