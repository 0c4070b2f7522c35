import assert from "node:assert/strict";
import { createClient } from "npm:redis@^5.8.0";
import { AuthFetchError } from "../../mod.ts";
import { fromIoredis, fromNodeRedis, RedisStore } from "../../src/stores/redis.ts";
import { startRedisServer } from "../peers/redis_server.ts";
import { storeContract } from "./_contract.ts";

const redis = await startRedisServer();
if (redis === undefined) {
  console.warn("redis-server not found (apt-get install redis-server): RedisStore tests skipped");
}
let prefix = 0;

async function client() {
  return await createClient({ url: redis!.url }).connect();
}

storeContract("RedisStore", async () => {
  const c = await client();
  return {
    store: new RedisStore(c, { prefix: `t${++prefix}:` }),
    close: async () => {
      await c.quit();
    },
  };
}, redis === undefined);

Deno.test({
  name: "RedisStore reports a foreign value as a store_error naming the key",
  ignore: redis === undefined,
  async fn() {
    const c = await client();
    try {
      await c.sendCommand(["HSET", "x:token:k", "v", "1", "t", "not json"]);
      const store = new RedisStore(fromNodeRedis(c), { prefix: "x:" });
      await assert.rejects(() => store.get("k"), (error: unknown) => {
        assert.ok(error instanceof AuthFetchError);
        assert.equal(error.code, "store_error");
        assert.match(error.message, /x:token:k/);
        return true;
      });
    } finally {
      await c.quit();
    }
  },
});

Deno.test({
  name: "RedisStore keeps versions and expiry in Redis, and fits an ioredis-style client",
  ignore: redis === undefined,
  async fn() {
    const c = await client();
    try {
      // An ioredis client has call(name, ...args); emulate one over node-redis.
      const ioredisLike = {
        call: (name: string, ...args: string[]) => c.sendCommand([name, ...args]),
      };
      const store = new RedisStore(fromIoredis(ioredisLike), { prefix: "io:", expireMargin: 0 });
      await store.set("k", {
        accessToken: "a",
        tokenType: "Bearer",
        expiresAt: Date.now() + 5_000,
      });
      await store.set("k", {
        accessToken: "b",
        tokenType: "Bearer",
        expiresAt: Date.now() + 5_000,
      });
      assert.equal(await c.sendCommand(["HGET", "io:{k}:token", "v"]), "2");
      const record = JSON.parse(String(await c.sendCommand(["HGET", "io:{k}:token", "t"])));
      assert.equal(record.version, 2);
      const ttl = Number(await c.sendCommand(["PTTL", "io:{k}:token"]));
      assert.ok(ttl > 0 && ttl <= 5_000, `PTTL ${ttl}`);
      await store.set("k", {
        accessToken: "c",
        tokenType: "Bearer",
        refreshToken: "r",
        expiresAt: 1,
      });
      assert.equal(
        Number(await c.sendCommand(["PTTL", "io:{k}:token"])),
        -1,
        "kept with a refresh token",
      );
      assert.throws(() => new RedisStore({} as never), TypeError);
    } finally {
      await c.quit();
    }
  },
});

Deno.test({
  name: "RedisStore reads a token under the pre-hash-tag name and moves it on the next write",
  ignore: redis === undefined,
  async fn() {
    const c = await client();
    try {
      const old = {
        authfetch: 1,
        version: 4,
        token: { accessToken: "a", tokenType: "Bearer", refreshToken: "r" },
      };
      await c.sendCommand(["HSET", "up:token:api", "v", "4", "t", JSON.stringify(old)]);
      const store = new RedisStore(c, { prefix: "up:" });
      assert.equal((await store.get("api"))?.refreshToken, "r", "an upgrade logs nobody out");
      const lease = await store.acquire("api", 10_000);
      assert.equal(
        await lease!.set({ accessToken: "b", tokenType: "Bearer", refreshToken: "r2" }),
        true,
      );
      await lease!.release();
      assert.equal(await c.sendCommand(["EXISTS", "up:token:api"]), 0, "the old name is gone");
      assert.equal(await c.sendCommand(["HGET", "up:{api}:token", "v"]), "1");
      assert.equal((await store.get("api"))?.refreshToken, "r2");
      const strict = new RedisStore(c, { prefix: "up2:", readLegacyKeys: false });
      await c.sendCommand(["HSET", "up2:token:api", "v", "4", "t", JSON.stringify(old)]);
      assert.equal(await strict.get("api"), undefined);
      assert.throws(() => new RedisStore(c, { prefix: "{app}:" }), TypeError);
      // Braces in a key never cut the hash tag short.
      await store.set("a}b{c", { accessToken: "x", tokenType: "Bearer" });
      assert.equal(await c.sendCommand(["EXISTS", "up:{a%7Db%7Bc}:token"]), 1);
    } finally {
      await c.quit();
    }
  },
});

Deno.test({
  name: "RedisStore tests: stop redis-server",
  ignore: redis === undefined,
  fn: () => redis!.close(),
});
