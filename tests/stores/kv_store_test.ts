import assert from "node:assert/strict";
import { AuthFetchError } from "../../mod.ts";
import { KvStore } from "../../src/stores/kv.ts";
import { storeContract } from "./_contract.ts";

storeContract("KvStore", () => {
  const store = new KvStore(":memory:");
  return Promise.resolve({ store, close: () => Promise.resolve(store.close()) });
});

Deno.test("KvStore reports a foreign value as a store_error naming the entry", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await kv.set(["app", "token", "k"], { something: "else" });
    const store = new KvStore(kv, { prefix: ["app"] });
    await assert.rejects(() => store.get("k"), (error: unknown) => {
      assert.ok(error instanceof AuthFetchError);
      assert.equal(error.code, "store_error");
      assert.match(error.message, /\["app","token","k"\]/);
      return true;
    });
  } finally {
    kv.close();
  }
});

Deno.test("KvStore stores a versioned record and checks its options", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new KvStore(kv, { expireMargin: 0 });
    await store.set("a", { accessToken: "a", tokenType: "Bearer", expiresAt: Date.now() + 60_000 });
    const entry = await kv.get(["authfetch", "token", "a"]);
    assert.equal((entry.value as { version: number }).version, 1);
    assert.throws(() => new KvStore(kv, { expireMargin: -1 }), RangeError);
  } finally {
    kv.close();
  }
});

Deno.test("KvStore retries 'database is locked' so concurrent writers on one file lose no write", async () => {
  const dir = await Deno.makeTempDir();
  const stores = Array.from({ length: 4 }, () => new KvStore(`${dir}/kv.sqlite3`));
  try {
    await Promise.all(
      stores.map((store, i) =>
        Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            store.set("k", { accessToken: `${i}-${j}`, tokenType: "Bearer" })),
        )
      ),
    );
    const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
    const entry = await kv.get<{ version: number }>(["authfetch", "token", "k"]);
    kv.close();
    assert.equal(entry.value?.version, 40);
  } finally {
    for (const store of stores) store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
