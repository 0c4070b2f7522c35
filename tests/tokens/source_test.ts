import assert from "node:assert/strict";
import { type Grant, MemoryStore, OAuthError, type Token, tokenSource } from "../../mod.ts";

function counter(lifetimeMs: number | undefined, clock: { t: number }) {
  let n = 0;
  const calls = { token: 0, refresh: 0 };
  const make = (): Token => {
    n++;
    const t: Token = {
      accessToken: `t${n}`,
      tokenType: "Bearer",
      issuedAt: clock.t,
      refreshToken: `r${n}`,
    };
    if (lifetimeMs !== undefined) t.expiresAt = clock.t + lifetimeMs;
    return t;
  };
  const grant: Grant = {
    token: async () => {
      calls.token++;
      await new Promise((r) => setTimeout(r, 5));
      return make();
    },
    refresh: async () => {
      calls.refresh++;
      await new Promise((r) => setTimeout(r, 5));
      return make();
    },
  };
  return { grant, calls };
}

Deno.test("tokenSource() makes 1,000 concurrent cold callers cause exactly 1 token request", async () => {
  const clock = { t: 0 };
  const { grant, calls } = counter(60_000, clock);
  const tokens = tokenSource(grant, { now: () => clock.t });
  const results = await Promise.all(Array.from({ length: 1000 }, () => tokens.getToken()));
  assert.equal(calls.token, 1);
  assert.ok(results.every((t) => t.accessToken === "t1"));
});

Deno.test("tokenSource() refreshes once however many callers report the same rejected token", async () => {
  const clock = { t: 0 };
  const { grant, calls } = counter(60_000, clock);
  const tokens = tokenSource(grant, { now: () => clock.t });
  const first = await tokens.getToken();
  const results = await Promise.all(
    Array.from({ length: 1000 }, () => tokens.getToken({ rejected: first.accessToken })),
  );
  assert.equal(calls.refresh, 1);
  assert.ok(results.every((t) => t.accessToken === "t2"));
  // A late report of the old token gets the current one without another refresh.
  assert.equal((await tokens.getToken({ rejected: first.accessToken })).accessToken, "t2");
  assert.equal(calls.refresh, 1);
});

Deno.test("tokenSource() refreshes in the background inside the window and keeps serving the valid token", async () => {
  const clock = { t: 0 };
  const { grant, calls } = counter(600_000, clock);
  const tokens = tokenSource(grant, { now: () => clock.t, refreshBefore: 60_000 });
  assert.equal((await tokens.getToken()).accessToken, "t1");
  clock.t = 550_000; // inside the 60 s window, still valid
  assert.equal(
    (await tokens.getToken()).accessToken,
    "t1",
    "the still-valid token is returned at once",
  );
  assert.equal(calls.refresh, 1, "one background refresh started");
  assert.equal((await tokens.getToken()).accessToken, "t1");
  assert.equal(calls.refresh, 1, "no second refresh while one runs");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal((await tokens.getToken()).accessToken, "t2");
});

Deno.test("tokenSource() makes callers wait only when the token has expired", async () => {
  const clock = { t: 0 };
  const { grant } = counter(10_000, clock);
  const tokens = tokenSource(grant, { now: () => clock.t });
  await tokens.getToken();
  clock.t = 10_000;
  assert.equal((await tokens.getToken()).accessToken, "t2");
});

Deno.test("tokenSource() clamps refreshBefore to a tenth of a short token's lifetime", async () => {
  const clock = { t: 0 };
  const { grant, calls } = counter(59_000, clock);
  const tokens = tokenSource(grant, { now: () => clock.t, refreshBefore: 60_000 });
  await tokens.getToken();
  clock.t = 1_000;
  await tokens.getToken();
  assert.equal(calls.refresh, 0, "a fresh 59 s token is not treated as stale");
  clock.t = 30_000;
  await tokens.getToken();
  assert.equal(calls.refresh, 0, "authlib #716: a 59 s token is not stale at half its life");
  clock.t = 53_100;
  await tokens.getToken();
  assert.equal(calls.refresh, 1);
});

Deno.test("tokenSource() falls back to the initial grant when a refresh gets invalid_grant", async () => {
  const changes: string[] = [];
  const store = new MemoryStore();
  let tokenCalls = 0;
  const grant: Grant = {
    token: () =>
      Promise.resolve({
        accessToken: `fresh${++tokenCalls}`,
        tokenType: "Bearer",
        refreshToken: "r",
      }),
    refresh: () => Promise.reject(new OAuthError({ error: "invalid_grant", status: 400 })),
  };
  const tokens = tokenSource(grant, {
    store,
    key: "k",
    onTokenChange: (t) => void changes.push(t.accessToken),
  });
  const first = await tokens.getToken();
  const second = await tokens.getToken({ rejected: first.accessToken });
  assert.equal(second.accessToken, "fresh2");
  assert.deepEqual(changes, ["fresh1", "fresh2"]);
  assert.equal((await store.get("k"))?.accessToken, "fresh2");
});

Deno.test("tokenSource() throws OAuthError instead of restarting an interactive grant after invalid_grant", async () => {
  let prompts = 0;
  const grant: Grant = {
    interactive: true,
    token: () =>
      Promise.resolve({ accessToken: `a${++prompts}`, tokenType: "Bearer", refreshToken: "r" }),
    refresh: () => Promise.reject(new OAuthError({ error: "invalid_grant", status: 400 })),
  };
  const tokens = tokenSource(grant);
  const first = await tokens.getToken();
  await assert.rejects(
    () => tokens.getToken({ rejected: first.accessToken }),
    (e: unknown) =>
      e instanceof OAuthError && e.error === "invalid_grant" && /log in again/.test(e.message),
  );
  assert.equal(prompts, 1);
});

Deno.test("tokenSource() keeps the old refresh token when a refresh returns none", async () => {
  const grant: Grant = {
    token: () =>
      Promise.resolve({ accessToken: "a1", tokenType: "Bearer", refreshToken: "keep-me" }),
    refresh: () => Promise.resolve({ accessToken: "a2", tokenType: "Bearer" }),
  };
  const tokens = tokenSource(grant);
  await tokens.getToken();
  const next = await tokens.getToken({ rejected: "a1" });
  assert.equal(next.refreshToken, "keep-me");
});

Deno.test("tokenSource() keeps serving a valid token when a background refresh fails, and reports it", async () => {
  const clock = { t: 0 };
  const errors: unknown[] = [];
  let calls = 0;
  const grant: Grant = {
    token: () => {
      calls++;
      if (calls > 1) return Promise.reject(new Error("endpoint down"));
      return Promise.resolve({
        accessToken: "a",
        tokenType: "Bearer",
        issuedAt: 0,
        expiresAt: 100_000,
      });
    },
  };
  const tokens = tokenSource(grant, { now: () => clock.t, onRefreshError: (e) => errors.push(e) });
  await tokens.getToken();
  clock.t = 90_000;
  assert.equal((await tokens.getToken()).accessToken, "a");
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(errors.length, 1);
  assert.equal((await tokens.getToken()).accessToken, "a");
  assert.equal(calls, 2, "no retry storm: background retries wait backgroundRetryDelay");
});

Deno.test("tokenSource() lets a caller's signal abort its wait without failing the shared refresh", async () => {
  const { grant, calls } = counter(60_000, { t: 0 });
  const tokens = tokenSource(grant, { now: () => 0 });
  const controller = new AbortController();
  const waiting = tokens.getToken({ signal: controller.signal });
  const other = tokens.getToken();
  controller.abort(new Error("caller gave up"));
  await assert.rejects(() => waiting, /caller gave up/);
  assert.equal((await other).accessToken, "t1");
  assert.equal(calls.token, 1);
});

Deno.test("tokenSource() shares one token between sources on one MemoryStore", async () => {
  const store = new MemoryStore();
  const { grant, calls } = counter(60_000, { t: 0 });
  const a = tokenSource(grant, { store, key: "shared", now: () => 0 });
  const b = tokenSource(grant, { store, key: "shared", now: () => 0 });
  const [ta, tb] = await Promise.all([a.getToken(), b.getToken()]);
  assert.equal(ta.accessToken, tb.accessToken);
  assert.equal(calls.token, 1);
  await a.clear();
  assert.equal(await store.get("shared"), undefined);
});

Deno.test("tokenSource() rejects bad timing options with RangeError", () => {
  const { grant } = counter(1, { t: 0 });
  assert.throws(() => tokenSource(grant, { refreshBefore: -1 }), RangeError);
  assert.throws(() => tokenSource(grant, { leaseTtl: Number.NaN }), RangeError);
});

Deno.test("tokenSource() without a store never reads the grant's key; with one it does", async () => {
  let reads = 0;
  const grant: Grant = {
    get key(): string {
      reads++;
      return "grant-key";
    },
    token: () => Promise.resolve({ accessToken: "at-1", tokenType: "Bearer" }),
  };
  const plain = tokenSource(grant);
  assert.equal((await plain.getToken()).accessToken, "at-1");
  await plain.clear();
  assert.equal(reads, 0, "a storeless source hashed or read a store key");
  const store = new MemoryStore();
  const stored = tokenSource(grant, { store });
  await stored.getToken();
  assert.ok(reads > 0);
  assert.equal((await store.get("grant-key"))?.accessToken, "at-1");
});
