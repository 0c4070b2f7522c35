import assert from "node:assert/strict";
import {
  type Grant,
  type Lease,
  MemoryStore,
  OAuthError,
  type Token,
  tokenSource,
  type TokenStore,
} from "../../mod.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function token(name: string, issuedAt: number, lifetime = 60_000): Token {
  return {
    accessToken: `at-${name}`,
    tokenType: "Bearer",
    issuedAt,
    expiresAt: issuedAt + lifetime,
    refreshToken: `rt-${name}`,
  };
}

/** A store whose operations fail while `down.reads` / `down.writes` is set. */
function faulty(store: TokenStore) {
  const down = { reads: false, writes: false, leases: false };
  const fail = () => Promise.reject(new Error("injected store failure"));
  const wrapped: TokenStore = {
    get: (key) => down.reads ? fail() : store.get(key),
    set: (key, t) => down.writes ? fail() : store.set(key, t),
    delete: (key) => down.writes ? fail() : store.delete(key),
    acquire: async (key, ttl) => {
      if (down.leases) return fail();
      const lease = await store.acquire!(key, ttl);
      if (lease === undefined) return undefined;
      return {
        set: (t) => down.writes ? fail() : lease.set(t),
        renew: (ms) => down.leases ? fail() : lease.renew!(ms),
        release: () => lease.release(),
      } satisfies Lease;
    },
  };
  return { store: wrapped, down };
}

Deno.test("tokenSource() renews its lease through a refresh slower than leaseTtl: no second refresh", async () => {
  const store = new MemoryStore();
  await store.set("k", token("old", Date.now() - 120_000));
  let release!: () => void;
  const slow = new Promise<void>((r) => release = r);
  const calls = { a: 0, b: 0 };
  const grant = (name: "a" | "b"): Grant => ({
    token: () => Promise.reject(new Error("no initial grant expected")),
    refresh: async () => {
      calls[name]++;
      await slow;
      return token(`new-${name}`, Date.now());
    },
  });
  const a = tokenSource(grant("a"), { store, key: "k", leaseTtl: 30 });
  const b = tokenSource(grant("b"), { store, key: "k", leaseTtl: 30, leaseWait: 10_000 });
  const first = a.getToken();
  while (calls.a === 0) await wait(1);
  const second = b.getToken();
  await wait(150); // five lease TTLs: without renewals b would have taken over
  release();
  assert.equal((await first).accessToken, "at-new-a");
  assert.equal((await second).accessToken, "at-new-a");
  assert.deepEqual(calls, { a: 1, b: 0 });
});

Deno.test("tokenSource() never sends a refresh once its lease is lost, and takes the token stored meanwhile", async () => {
  const memory = new MemoryStore();
  await memory.set("k", token("old", Date.now() - 120_000));
  const store: TokenStore = {
    get: (key) => memory.get(key),
    set: (key, t) => memory.set(key, t),
    delete: (key) => memory.delete(key),
    acquire: async (key, ttl) => {
      const lease = (await memory.acquire(key, ttl))!;
      return {
        set: (t) => lease.set(t),
        // Paused past its lease: meanwhile another process refreshed and stored a token.
        renew: async (ms) => {
          await memory.set(key, token("other", Date.now()));
          return await lease.renew!(ms);
        },
        release: () => lease.release(),
      };
    },
  };
  let refreshes = 0;
  const tokens = tokenSource({
    token: () => Promise.reject(new Error("no initial grant expected")),
    refresh: () => {
      refreshes++;
      return Promise.resolve(token("mine", Date.now()));
    },
  }, { store, key: "k" });
  assert.equal((await tokens.getToken()).accessToken, "at-other");
  assert.equal(refreshes, 0);
});

Deno.test("tokenSource() keeps a token whose store write failed, returns it, reports it and writes it later", async () => {
  const clock = { t: 1_000_000 };
  const { store, down } = faulty(new MemoryStore({ now: () => clock.t }));
  const errors: unknown[] = [];
  let n = 0;
  const tokens = tokenSource({
    token: () => Promise.resolve(token(`t${++n}`, clock.t)),
    refresh: () => Promise.resolve(token(`t${++n}`, clock.t)),
  }, { store, key: "k", now: () => clock.t, onStoreError: (e) => errors.push(e) });
  down.writes = true;
  const first = await tokens.getToken();
  assert.equal(first.accessToken, "at-t1");
  assert.equal(errors.length, 1, "reported once, after the retries");
  assert.equal(await store.get("k"), undefined);
  assert.equal((await tokens.getToken()).accessToken, "at-t1", "kept in memory");
  down.writes = false;
  clock.t += 1_000; // past the retry pause
  await tokens.getToken(); // starts the write in the background
  for (let i = 0; i < 50 && (await store.get("k")) === undefined; i++) await wait(2);
  assert.equal((await store.get("k"))?.refreshToken, "rt-t1", "written again later");
  assert.equal(n, 1, "one token request in all");
});

Deno.test("tokenSource() with a store that stays down keeps the cached token, then logs in for itself, never spending the shared refresh token", async () => {
  const clock = { t: 1_000_000 };
  const memory = new MemoryStore({ now: () => clock.t });
  await memory.set("k", token("shared", clock.t, 10_000));
  const { store, down } = faulty(memory);
  const calls = { token: 0, refresh: 0 };
  let n = 0;
  const tokens = tokenSource({
    token: () => (calls.token++, Promise.resolve(token(`own${++n}`, clock.t, 10_000))),
    refresh: () => (calls.refresh++, Promise.resolve(token(`own${++n}`, clock.t, 10_000))),
  }, { store, key: "k", now: () => clock.t, onStoreError: () => {} });
  assert.equal((await tokens.getToken()).accessToken, "at-shared");
  down.reads = down.writes = down.leases = true;
  clock.t += 5_000;
  assert.equal((await tokens.getToken()).accessToken, "at-shared", "cached: no store access");
  clock.t += 6_000; // expired
  assert.equal((await tokens.getToken()).accessToken, "at-own1");
  assert.deepEqual(calls, { token: 1, refresh: 0 }, "the shared refresh token is not spent");
  clock.t += 10_500; // own token expired: it is only ours, so refreshing it is safe
  assert.equal((await tokens.getToken()).accessToken, "at-own2");
  assert.deepEqual(calls, { token: 1, refresh: 1 });
  down.reads = down.writes = down.leases = false; // the store is back
  clock.t += 20_000;
  await tokens.getToken();
  for (let i = 0; i < 50 && (await memory.get("k"))?.accessToken === "at-shared"; i++) {
    await wait(2);
  }
  assert.notEqual((await memory.get("k"))?.accessToken, "at-shared", "recovered: written back");
});

Deno.test("tokenSource() after a reuse revoked the family keeps its re-login over a token of the revoked family stored meanwhile", async () => {
  const clock = { t: 1_000_000 };
  const store = new MemoryStore({ now: () => clock.t });
  await store.set("k", token("family1-a", clock.t - 120_000));
  let logins = 0;
  const tokens = tokenSource({
    token: async () => {
      logins++;
      const started = clock.t;
      // This holder is paused past its lease; another process takes over and stores a token of
      // the family the reuse revoked (issued before this re-login started).
      clock.t += 5_000;
      const other = await store.acquire("k", 1_000);
      assert.equal(await other!.set(token("family1-b", started - 1_000)), true);
      await other!.release();
      return token("family2", clock.t);
    },
    refresh: () => Promise.reject(new OAuthError({ error: "invalid_grant", status: 400 })),
  }, { store, key: "k", leaseTtl: 1_000, now: () => clock.t });
  assert.equal((await tokens.getToken()).accessToken, "at-family2");
  assert.equal(logins, 1);
  clock.t += 1_000;
  await tokens.getToken(); // a later call writes the kept token over the older one
  for (let i = 0; i < 50 && (await store.get("k"))?.accessToken !== "at-family2"; i++) {
    await wait(2);
  }
  assert.equal((await store.get("k"))?.accessToken, "at-family2", "the new family is stored");
});

Deno.test("tokenSource() reads a token stored under the grant's legacy key, so an upgrade logs nobody out", async () => {
  const store = new MemoryStore();
  await store.set("old|key", token("stored", Date.now()));
  const tokens = tokenSource({
    key: "new:key",
    legacyKey: "old|key",
    token: () => Promise.reject(new Error("no login expected")),
  }, { store });
  assert.equal((await tokens.getToken()).accessToken, "at-stored");
});

Deno.test("tokenSource() with a store whose reads never settle gives up on them after storeTimeout and logs in for itself", async () => {
  const errors: string[] = [];
  let logins = 0;
  const hanging: TokenStore = {
    get: () => new Promise(() => {}),
    set: () => Promise.resolve(),
    delete: () => Promise.resolve(),
  };
  const tokens = tokenSource({
    token: () => (logins++, Promise.resolve(token("own", Date.now()))),
  }, {
    store: hanging,
    key: "k",
    storeTimeout: 5,
    onStoreError: (error) => errors.push((error as Error).message),
  });
  assert.equal((await tokens.getToken()).accessToken, "at-own");
  assert.equal(logins, 1);
  assert.deepEqual(errors, ["the token store did not answer within 5 ms"]);
});
