/**
 * The behaviour every store with a lease shares, run against each store.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { TokenStore } from "../../mod.ts";

const token = (accessToken: string) => ({
  accessToken,
  tokenType: "Bearer",
  expiresAt: Date.now() + 60_000,
  issuedAt: Date.now(),
  refreshToken: `rt-${accessToken}`,
});

/**
 * Registers the contract tests for a store.
 *
 * @param name The store's name in test names.
 * @param open Opens a fresh store (its own keys), with a way to dispose of it.
 * @param ignore Skip all (a missing server).
 */
export function storeContract(
  name: string,
  open: () => Promise<{ store: TokenStore; close(): Promise<void> }>,
  ignore = false,
): void {
  const test = (title: string, fn: (store: TokenStore) => Promise<void>) =>
    Deno.test({
      name: `${name} ${title}`,
      ignore,
      async fn() {
        const { store, close } = await open();
        try {
          await fn(store);
        } finally {
          await close();
        }
      },
    });

  test("get() returns what set() stored and delete() removes it", async (store) => {
    assert.equal(await store.get("k"), undefined);
    await store.set("k", token("a"));
    assert.equal((await store.get("k"))?.accessToken, "a");
    await store.set("k", token("b"));
    assert.equal((await store.get("k"))?.refreshToken, "rt-b");
    await store.delete("k");
    assert.equal(await store.get("k"), undefined);
    await store.delete("k");
  });

  test("acquire() hands out one lease at a time", async (store) => {
    const first = await store.acquire!("k", 10_000);
    assert.ok(first);
    assert.equal(await store.acquire!("k", 10_000), undefined);
    assert.ok(await store.acquire!("other", 10_000));
    await first.release();
    const second = await store.acquire!("k", 10_000);
    assert.ok(second);
    await first.release(); // a released lease cannot release its successor
    assert.equal(await store.acquire!("k", 10_000), undefined);
  });

  test("an expired lease is taken over and its holder's write is refused", async (store) => {
    const stale = await store.acquire!("k", 50);
    assert.ok(stale);
    await new Promise((r) => setTimeout(r, 80));
    const fresh = await store.acquire!("k", 10_000);
    assert.ok(fresh);
    assert.equal(await stale.set(token("old")), false);
    assert.equal(await fresh.set(token("new")), true);
    assert.equal((await store.get("k"))?.accessToken, "new");
    await fresh.release();
  });

  test("a lease's write is refused when another write happened since it was taken", async (store) => {
    await store.set("k", token("a"));
    const lease = await store.acquire!("k", 10_000);
    assert.ok(lease);
    await store.set("k", token("b"));
    assert.equal(await lease.set(token("c")), false);
    assert.equal((await store.get("k"))?.accessToken, "b");
    await lease.release();
    const next = await store.acquire!("k", 10_000);
    assert.equal(await next!.set(token("d")), true);
    assert.equal(await next!.set(token("e")), false, "a lease writes once");
    assert.equal((await store.get("k"))?.accessToken, "d");
    await next!.release();
  });

  test("renew() keeps a lease past its TTL and is refused once another holder or writer acted", async (store) => {
    const lease = await store.acquire!("k", 60);
    assert.ok(lease?.renew);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(await lease.renew(60), true);
    }
    assert.equal(await store.acquire!("k", 10_000), undefined, "renewed: still held");
    // Expired, and nobody else acted: renewing takes it again.
    await new Promise((r) => setTimeout(r, 90));
    assert.equal(await lease.renew(60), true);
    await new Promise((r) => setTimeout(r, 90));
    const other = await store.acquire!("k", 10_000);
    assert.ok(other, "expired: taken over");
    assert.equal(await lease.renew(10_000), false, "taken over: renewal refused");
    assert.equal(await lease.set(token("late")), false);
    await other.release();
    const third = await store.acquire!("k", 10_000);
    assert.ok(third?.renew);
    await store.set("k", token("written"));
    assert.equal(await third.renew(10_000), false, "the key was written: renewal refused");
    await third.release();
  });
}
