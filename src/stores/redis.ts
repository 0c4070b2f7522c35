/**
 * {@linkcode RedisStore}: tokens in Redis, shared by any number of processes and machines. Takes the
 * client you already have; nothing here imports a Redis library. A `npm:redis` (node-redis v4/v5)
 * client fits as is (it has `sendCommand`); wrap an `npm:ioredis` client with {@linkcode fromIoredis},
 * a node-redis cluster (`createCluster`) with {@linkcode fromNodeRedisCluster} and an ioredis `Cluster`
 * with {@linkcode fromIoredisCluster}. The keys of one token share a hash tag, `<prefix>{<key>}:token`
 * and `<prefix>{<key>}:lease`, so on Redis Cluster every script touches one slot.
 *
 * @example
 * ```ts
 * import { clientCredentials, tokenSource } from "@authfetch/authfetch";
 * import { RedisStore } from "@authfetch/authfetch/redis";
 *
 * // import { createClient } from "redis";
 * // const client = await createClient({ url: "redis://localhost:6379" }).connect();
 * const client = { sendCommand: () => Promise.resolve(null) }; // stand-in for a connected client
 * const tokens = tokenSource(clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-service",
 *   clientSecret: "s3cret",
 * }), { store: new RedisStore(client, { prefix: "myapp:" }) });
 * // const { accessToken } = await tokens.getToken();
 * ```
 *
 * @module
 */

import type { Lease, TokenStore } from "../tokens/store.ts";
import type { Token } from "../tokens/token.ts";
import { keepFor, parseRecord, toRecord } from "./_record.ts";

/**
 * The one thing {@linkcode RedisStore} needs from a client: send a command, get its reply. A
 * node-redis v4/v5 client has this method already.
 *
 * @example
 * ```ts
 * import { type RedisCommander, RedisStore } from "@authfetch/authfetch/redis";
 * // Any client that can send a raw command; here a stand-in that replies to nothing.
 * const commander: RedisCommander = { sendCommand: (_args) => Promise.resolve(null) };
 * const store = new RedisStore(commander);
 * ```
 */
export interface RedisCommander {
  /**
   * Sends one command.
   *
   * @param args The command and its arguments, such as `["GET", "k"]`.
   * @returns The reply: a string, number, `null`, or an array of those.
   */
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * The part of a node-redis v4/v5 client {@linkcode fromNodeRedis} uses.
 *
 * @example
 * ```ts
 * import { fromNodeRedis, type NodeRedisLike, RedisStore } from "@authfetch/authfetch/redis";
 * // import { createClient } from "redis";
 * // const client: NodeRedisLike = await createClient().connect();
 * const client: NodeRedisLike = { sendCommand: () => Promise.resolve(null) }; // stand-in
 * const store = new RedisStore(fromNodeRedis(client));
 * ```
 */
export interface NodeRedisLike {
  /** Sends a raw command. */
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * The part of an ioredis client {@linkcode fromIoredis} uses.
 *
 * @example
 * ```ts
 * import { fromIoredis, type IoredisLike, RedisStore } from "@authfetch/authfetch/redis";
 * // import Redis from "ioredis";
 * // const client: IoredisLike = new Redis();
 * const client: IoredisLike = { call: () => Promise.resolve(null) }; // stand-in
 * const store = new RedisStore(fromIoredis(client));
 * ```
 */
export interface IoredisLike {
  /** Sends a raw command: `call(name, ...args)`. */
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * Adapts a node-redis v4/v5 client (`createClient()` from `npm:redis`). Such a client can also be
 * passed to {@linkcode RedisStore} directly.
 *
 * @param client A connected node-redis client.
 * @returns The commander.
 * @example
 * ```ts
 * import { fromNodeRedis, RedisStore } from "@authfetch/authfetch/redis";
 * // import { createClient } from "redis";
 * // const store = new RedisStore(fromNodeRedis(await createClient().connect()));
 * ```
 */
export function fromNodeRedis(client: NodeRedisLike): RedisCommander {
  return { sendCommand: (args) => client.sendCommand(args) };
}

/**
 * Adapts an ioredis client (`new Redis()` from `npm:ioredis`).
 *
 * @param client A connected ioredis client.
 * @returns The commander.
 * @example
 * ```ts
 * import { fromIoredis, RedisStore } from "@authfetch/authfetch/redis";
 * // import Redis from "ioredis";
 * // const store = new RedisStore(fromIoredis(new Redis()));
 * ```
 */
export function fromIoredis(client: IoredisLike): RedisCommander {
  return { sendCommand: ([command, ...args]) => client.call(command, ...args) };
}

/**
 * The part of a node-redis v4/v5 cluster client (`createCluster()` from `npm:redis`) that
 * {@linkcode fromNodeRedisCluster} uses: `sendCommand(firstKey, isReadonly, args)`, which routes the
 * command to the node owning `firstKey`'s slot.
 *
 * @example
 * ```ts
 * import { fromNodeRedisCluster, type NodeRedisClusterLike, RedisStore } from "@authfetch/authfetch/redis";
 * // import { createCluster } from "redis";
 * // const cluster: NodeRedisClusterLike = await createCluster({ rootNodes: [{ url: "redis://10.0.0.1:6379" }] }).connect();
 * const cluster: NodeRedisClusterLike = { sendCommand: () => Promise.resolve(null) }; // stand-in
 * const store = new RedisStore(fromNodeRedisCluster(cluster));
 * ```
 */
export interface NodeRedisClusterLike {
  /** Sends a raw command to the node that owns `firstKey`. */
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): Promise<unknown>;
}

/**
 * Adapts a node-redis cluster client (`createCluster()` from `npm:redis`). Every command the store
 * sends names one token's keys, which share a hash tag, so each goes to one node.
 *
 * @param cluster A connected node-redis cluster client.
 * @returns The commander.
 * @example
 * ```ts
 * import { fromNodeRedisCluster, RedisStore } from "@authfetch/authfetch/redis";
 * // import { createCluster } from "redis";
 * // const cluster = await createCluster({ rootNodes: [{ url: "redis://10.0.0.1:6379" }] }).connect();
 * // const store = new RedisStore(fromNodeRedisCluster(cluster));
 * const cluster = { sendCommand: () => Promise.resolve(null) }; // stand-in
 * const store = new RedisStore(fromNodeRedisCluster(cluster));
 * ```
 */
export function fromNodeRedisCluster(cluster: NodeRedisClusterLike): RedisCommander {
  return {
    sendCommand: (args) => {
      const command = args[0].toUpperCase();
      // EVAL script numkeys key…: the first key follows the key count; other commands name it first.
      const first = command === "EVAL" || command === "EVALSHA" ? args[3] : args[1];
      // Never "read-only": a client set to read from replicas could hand back a token older than
      // the one a lease holder just stored, and its spent refresh token would be spent again.
      return cluster.sendCommand(first, false, args);
    },
  };
}

/**
 * Adapts an ioredis `Cluster` (`new Redis.Cluster([...])` from `npm:ioredis`). Its `call` routes by
 * the command's keys; this adapter exists so cluster and single-node setups read alike. Keep the
 * cluster's `scaleReads` at its default, `"master"`: a token read from a lagging replica can be one
 * whose refresh token was already spent.
 *
 * @param cluster A connected ioredis cluster.
 * @returns The commander.
 * @example
 * ```ts
 * import { fromIoredisCluster, RedisStore } from "@authfetch/authfetch/redis";
 * // import Redis from "ioredis";
 * // const store = new RedisStore(fromIoredisCluster(new Redis.Cluster([{ host: "10.0.0.1", port: 6379 }])));
 * const cluster = { call: () => Promise.resolve(null) }; // stand-in
 * const store = new RedisStore(fromIoredisCluster(cluster));
 * ```
 */
export function fromIoredisCluster(cluster: IoredisLike): RedisCommander {
  return fromIoredis(cluster);
}

/**
 * Options of {@linkcode RedisStore}.
 *
 * @example
 * ```ts
 * import { RedisStore, type RedisStoreOptions } from "@authfetch/authfetch/redis";
 * const options: RedisStoreOptions = { prefix: "my-app:", expireMargin: 30_000 };
 * const client = { sendCommand: () => Promise.resolve(null) }; // stand-in for a connected client
 * const store = new RedisStore(client, options);
 * ```
 */
export interface RedisStoreOptions {
  /**
   * Prepended to every Redis key: `<prefix>{<key>}:token` and `<prefix>{<key>}:lease`. The braces are a
   * Redis Cluster hash tag: both keys of one token live in one slot, so every script the store runs
   * touches one slot. No braces of its own. @default "authfetch:"
   */
  prefix?: string;
  /**
   * Also read `<prefix>token:<key>`, the name versions before hash tags used, when the new name is
   * empty, and delete it once the token is written under the new name: an upgrade logs nobody out.
   * @default true
   */
  readLegacyKeys?: boolean;
  /**
   * A token without a refresh token is deleted by Redis this long after it expires, ms. A token with a
   * refresh token is kept until replaced or deleted. @default 60000
   */
  expireMargin?: number;
  /** The clock, epoch ms, for expiry. @default Date.now */
  now?: () => number;
}

// Every script touches the keys of one token only, which share a hash tag (`{...}`): one slot on a
// Redis Cluster.

// KEYS[1] token hash (fields v = version, t = record JSON). ARGV[1] JSON, ARGV[2] ms to live or 0.
const SET = `
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0') + 1
redis.call('HSET', KEYS[1], 'v', v, 't', (string.gsub(ARGV[1], '"version":0', '"version":' .. v, 1)))
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) else redis.call('PERSIST', KEYS[1]) end
return v`;

// KEYS[1] lease, KEYS[2] token hash. ARGV[1] lease id, ARGV[2] ttl ms. Returns the version or -1.
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return tonumber(redis.call('HGET', KEYS[2], 'v') or '0')
end
return -1`;

// KEYS[1] lease, KEYS[2] token hash. ARGV[1] lease id, ARGV[2] version seen, ARGV[3] ttl ms.
const RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
if tonumber(redis.call('HGET', KEYS[2], 'v') or '0') ~= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;

// KEYS[1] lease. ARGV[1] lease id.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS[1] lease, KEYS[2] token hash. ARGV[1] lease id, ARGV[2] version seen, ARGV[3] JSON, ARGV[4] ms.
const FENCED_SET = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
if tonumber(redis.call('HGET', KEYS[2], 'v') or '0') ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], 'v', tonumber(ARGV[2]) + 1, 't', ARGV[3])
if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) else redis.call('PERSIST', KEYS[2]) end
return 1`;

/**
 * A {@linkcode TokenStore} over Redis. The lease is `SET <prefix>lease:<key> <id> NX PX <ttl>`,
 * released by a Lua compare-and-delete; a write through the lease is a Lua compare-and-set on the
 * lease holder and the token's version, so a holder that outlived its lease never overwrites a newer
 * token. Each token is a hash holding its version and its record JSON.
 *
 * @example
 * ```ts
 * import { RedisStore } from "@authfetch/authfetch/redis";
 * // import { createClient } from "redis";
 * // const store = new RedisStore(await createClient().connect(), { prefix: "myapp:" });
 * // await store.set("api", { accessToken: "a", tokenType: "Bearer" });
 * ```
 */
export class RedisStore implements TokenStore {
  #client: RedisCommander;
  #prefix: string;
  #legacy: boolean;
  #expireMargin: number;
  #now: () => number;

  /**
   * Creates the store over a connected client.
   *
   * @param client A node-redis client, or any {@linkcode RedisCommander} (see {@linkcode fromIoredis}).
   * @param options Key prefix, expiry margin and clock.
   * @throws {TypeError} When `client` has no `sendCommand` method, or `prefix` holds a brace.
   * @throws {RangeError} When `expireMargin` is negative or not a number.
   */
  constructor(client: RedisCommander, options: RedisStoreOptions = {}) {
    if (typeof client?.sendCommand !== "function") {
      throw new TypeError(
        "Cannot create RedisStore: client needs a sendCommand(args) method (wrap ioredis with " +
          `fromIoredis), current value is ${client}`,
      );
    }
    const margin = options.expireMargin ?? 60_000;
    if (typeof margin !== "number" || !(margin >= 0)) {
      throw new RangeError(
        `Cannot create RedisStore: expireMargin must be a number ≥ 0, current value is ${margin}`,
      );
    }
    const prefix = options.prefix ?? "authfetch:";
    if (typeof prefix !== "string" || /[{}]/.test(prefix)) {
      throw new TypeError(
        "Cannot create RedisStore: prefix must be a string without { or } (the store adds the " +
          `cluster hash tag itself), current value is ${prefix}`,
      );
    }
    this.#client = client;
    this.#prefix = prefix;
    this.#legacy = options.readLegacyKeys ?? true;
    this.#expireMargin = margin;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Reads a token.
   *
   * @param key The key.
   * @returns The stored token, or `undefined`.
   * @throws {AuthFetchError} `store_error` when the entry is not a token record of this library.
   */
  async get(key: string): Promise<Token | undefined> {
    let name = this.#tokenKey(key);
    let text = await this.#client.sendCommand(["HGET", name, "t"]);
    if ((text === null || text === undefined) && this.#legacy) {
      // Written by a version before hash-tagged names: read it, so an upgrade logs nobody out.
      name = this.#legacyKey(key);
      text = await this.#client.sendCommand(["HGET", name, "t"]);
    }
    if (text === null || text === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(String(text));
    } catch {
      value = undefined;
    }
    return parseRecord(value, `The Redis key ${name}`).token;
  }

  /**
   * Writes a token, raising the key's version.
   *
   * @param key The key.
   * @param token The token.
   */
  async set(key: string, token: Token): Promise<void> {
    await this.#eval(SET, [this.#tokenKey(key)], [
      JSON.stringify(toRecord(0, token)),
      String(this.#ttl(token)),
    ]);
    await this.#dropLegacy(key);
  }

  /**
   * Deletes a token.
   *
   * @param key The key.
   */
  async delete(key: string): Promise<void> {
    await this.#client.sendCommand(["DEL", this.#tokenKey(key)]);
    await this.#dropLegacy(key);
  }

  /**
   * Takes the lease on `key` (`SET NX PX`).
   *
   * @param key The key.
   * @param ttlMs How long the lease lasts unless released.
   * @returns The lease, or `undefined` when another holder has it.
   */
  async acquire(key: string, ttlMs: number): Promise<Lease | undefined> {
    const leaseKey = this.#leaseKey(key);
    const tokenKey = this.#tokenKey(key);
    const id = crypto.randomUUID();
    const seen = Number(
      await this.#eval(ACQUIRE, [leaseKey, tokenKey], [id, String(Math.max(1, Math.ceil(ttlMs)))]),
    );
    if (seen < 0) return undefined;
    return {
      set: async (token: Token): Promise<boolean> => {
        const record = JSON.stringify(toRecord(seen + 1, token));
        const ok = await this.#eval(FENCED_SET, [leaseKey, tokenKey], [
          id,
          String(seen),
          record,
          String(this.#ttl(token)),
        ]);
        if (Number(ok) !== 1) return false;
        await this.#dropLegacy(key);
        return true;
      },
      renew: async (ms: number): Promise<boolean> => {
        const ttl = String(Math.max(1, Math.ceil(ms)));
        return Number(await this.#eval(RENEW, [leaseKey, tokenKey], [id, String(seen), ttl])) === 1;
      },
      release: async (): Promise<void> => {
        await this.#eval(RELEASE, [leaseKey], [id]);
      },
    };
  }

  #eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    return this.#client.sendCommand(["EVAL", script, String(keys.length), ...keys, ...args]);
  }

  #ttl(token: Token): number {
    return Math.ceil(keepFor(token, this.#expireMargin, this.#now()) ?? 0);
  }

  /** Deletes the name an older version used for `key`, once its token lives under the new name. */
  async #dropLegacy(key: string): Promise<void> {
    if (this.#legacy) await this.#client.sendCommand(["DEL", this.#legacyKey(key)]);
  }

  #tokenKey(key: string): string {
    return `${this.#prefix}{${hashTag(key)}}:token`;
  }

  #leaseKey(key: string): string {
    return `${this.#prefix}{${hashTag(key)}}:lease`;
  }

  #legacyKey(key: string): string {
    return `${this.#prefix}token:${key}`;
  }
}

/**
 * The key as a Redis Cluster hash tag: `%`, `{` and `}` percent-encoded, so the tag is the whole key
 * (never cut short at a `}` inside it) and never empty.
 */
function hashTag(key: string): string {
  if (key === "") return "%";
  return key.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
