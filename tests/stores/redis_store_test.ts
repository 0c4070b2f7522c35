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
      assert.equal(await c.sendCommand(["HGET", "io:token:k", "v"]), "2");
      const record = JSON.parse(String(await c.sendCommand(["HGET", "io:token:k", "t"])));
      assert.equal(record.version, 2);
      const ttl = Number(await c.sendCommand(["PTTL", "io:token:k"]));
      assert.ok(ttl > 0 && ttl <= 5_000, `PTTL ${ttl}`);
      await store.set("k", {
        accessToken: "c",
        tokenType: "Bearer",
        refreshToken: "r",
        expiresAt: 1,
      });
      assert.equal(
        Number(await c.sendCommand(["PTTL", "io:token:k"])),
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
  name: "RedisStore tests: stop redis-server",
  ignore: redis === undefined,
  fn: () => redis!.close(),
});
