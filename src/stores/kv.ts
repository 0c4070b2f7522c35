/**
 * {@linkcode KvStore}: tokens in Deno KV, shared by every isolate of a Deno Deploy app or by the
 * processes of one machine opening the same SQLite file. Needs `--unstable-kv` (or
 * `"unstable": ["kv"]` in deno.json) outside Deno Deploy.
 *
 * @example
 * ```ts
 * import { clientCredentials, tokenSource } from "@authfetch/authfetch";
 * import { KvStore } from "@authfetch/authfetch/kv";
 *
 * const kv = await Deno.openKv(":memory:");
 * const tokens = tokenSource(clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-service",
 *   clientSecret: "s3cret",
 * }), { store: new KvStore(kv) });
 * // const { accessToken } = await tokens.getToken();
 * kv.close();
 * ```
 *
 * @module
 */

import { AuthFetchError } from "../errors.ts";
import type { Lease, TokenStore } from "../tokens/store.ts";
import type { Token } from "../tokens/token.ts";
import { keepFor, parseRecord, type TokenRecord, toRecord } from "./_record.ts";
import { sleep } from "../sleep.ts";

/**
 * Options of {@linkcode KvStore}.
 *
 * @example
 * ```ts
 * import { KvStore, type KvStoreOptions } from "@authfetch/authfetch/kv";
 * const kv = await Deno.openKv(":memory:");
 * const options: KvStoreOptions = { prefix: ["my-app", "tokens"], expireMargin: 30_000 };
 * const store = new KvStore(kv, options);
 * kv.close();
 * ```
 */
export interface KvStoreOptions {
  /** The key prefix of the store's entries: tokens under `[...prefix, "token", key]`. @default ["authfetch"] */
  prefix?: Deno.KvKey;
  /**
   * A token without a refresh token vanishes from KV this long after it expires, ms (`expireIn`). A
   * token with a refresh token is kept until replaced or deleted. @default 60000
   */
  expireMargin?: number;
  /** Give up retrying `database is locked` errors after this long, ms. @default 30000 */
  lockedRetryFor?: number;
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
}

interface LeaseValue {
  id: string;
  until: number;
}

/**
 * A {@linkcode TokenStore} over Deno KV. Leases and fenced writes are atomic check-and-set operations
 * (`kv.atomic().check(...)`): a lease is an entry with an expiry (`expireIn`, and its own `until`,
 * since KV deletes expired entries lazily); a write through a lease commits only when the lease entry
 * and the token entry are unchanged. `database is locked` errors, met when several local processes
 * share one SQLite file, are retried with backoff so no write is lost.
 *
 * @example
 * ```ts
 * import { KvStore } from "@authfetch/authfetch/kv";
 * const store = new KvStore(":memory:");
 * await store.set("api", { accessToken: "a", tokenType: "Bearer" });
 * console.log((await store.get("api"))?.accessToken); // "a"
 * store.close();
 * ```
 */
export class KvStore implements TokenStore {
  #kv: Promise<Deno.Kv>;
  #owned: boolean;
  #prefix: Deno.KvKey;
  #expireMargin: number;
  #lockedRetryFor: number;
  #now: () => number;
  #opened?: Deno.Kv;

  /**
   * Creates the store over an opened database, or opens the one at `path` (`":memory:"`, a file, or a
   * URL for `Deno.openKv`) on first use; a database the store opened is closed by {@linkcode KvStore.close}.
   *
   * @param kv An opened `Deno.Kv`, or the path to open.
   * @param options Prefix, expiry margin, retry budget and clock.
   * @throws {TypeError} When `kv` is neither a `Deno.Kv` nor a string.
   * @throws {RangeError} When `expireMargin` or `lockedRetryFor` is negative or not a number.
   */
  constructor(kv: Deno.Kv | string, options: KvStoreOptions = {}) {
    if (typeof kv === "string") {
      this.#owned = true;
      this.#kv = Deno.openKv(kv).then((opened) => this.#opened = opened);
      this.#kv.catch(() => {});
    } else if (kv !== null && typeof kv === "object" && typeof kv.atomic === "function") {
      this.#owned = false;
      this.#kv = Promise.resolve(kv);
    } else {
      throw new TypeError(
        `Cannot create KvStore: kv must be a Deno.Kv or a path, current value is ${kv}`,
      );
    }
    this.#prefix = options.prefix ?? ["authfetch"];
    this.#expireMargin = nonNegative("expireMargin", options.expireMargin ?? 60_000);
    this.#lockedRetryFor = nonNegative("lockedRetryFor", options.lockedRetryFor ?? 30_000);
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
    const kv = await this.#kv;
    const entry = await this.#retry(() => kv.get(this.#tokenKey(key)));
    return this.#record(entry, key)?.token;
  }

  /**
   * Writes a token, raising the key's version (a check-and-set loop, so concurrent writes all count).
   *
   * @param key The key.
   * @param token The token.
   */
  async set(key: string, token: Token): Promise<void> {
    const kv = await this.#kv;
    const tokenKey = this.#tokenKey(key);
    for (;;) {
      const entry = await this.#retry(() => kv.get(tokenKey));
      const version = this.#version(entry, key);
      const result = await this.#retry(() =>
        kv.atomic().check(entry).set(tokenKey, toRecord(version + 1, token), this.#expiry(token))
          .commit()
      );
      if (result.ok) return;
    }
  }

  /**
   * Deletes a token.
   *
   * @param key The key.
   */
  async delete(key: string): Promise<void> {
    const kv = await this.#kv;
    await this.#retry(() => kv.delete(this.#tokenKey(key)));
  }

  /**
   * Takes the lease on `key` with an atomic check-and-set.
   *
   * @param key The key.
   * @param ttlMs How long the lease lasts unless released.
   * @returns The lease, or `undefined` when another holder has it.
   */
  async acquire(key: string, ttlMs: number): Promise<Lease | undefined> {
    const kv = await this.#kv;
    const leaseKey = this.#leaseKey(key);
    const tokenKey = this.#tokenKey(key);
    const [lease, token] = await this.#retry(() =>
      kv.getMany<[LeaseValue, TokenRecord]>([leaseKey, tokenKey])
    );
    if (lease.value !== null && lease.value.until > this.#now()) return undefined;
    const id = crypto.randomUUID();
    const value: LeaseValue = { id, until: this.#now() + ttlMs };
    const result = await this.#retry(() =>
      kv.atomic().check(lease).check(token).set(leaseKey, value, { expireIn: Math.max(1, ttlMs) })
        .commit()
    );
    if (!result.ok) return undefined;
    const version = this.#version(token, key);
    /** Commits `change` while this lease is still held and the token is the version it was taken on. */
    const whileHeld = async (
      change: (op: Deno.AtomicOperation) => Deno.AtomicOperation,
    ): Promise<boolean> => {
      for (;;) {
        const [held, current] = await this.#retry(() =>
          kv.getMany<[LeaseValue, TokenRecord]>([leaseKey, tokenKey])
        );
        if (held.value !== null && held.value.id !== id && held.value.until > this.#now()) {
          return false;
        }
        if (this.#version(current, key) !== version) return false;
        const committed = await this.#retry(() =>
          change(kv.atomic().check(held).check(current)).commit()
        );
        if (committed.ok) return true;
      }
    };
    return {
      set: (next: Token): Promise<boolean> =>
        whileHeld((op) => op.set(tokenKey, toRecord(version + 1, next), this.#expiry(next))),
      renew: (ms: number): Promise<boolean> =>
        whileHeld((op) => {
          const renewed: LeaseValue = { id, until: this.#now() + ms };
          return op.set(leaseKey, renewed, { expireIn: Math.max(1, ms) });
        }),
      release: async (): Promise<void> => {
        const held = await this.#retry(() => kv.get<LeaseValue>(leaseKey));
        if (held.value?.id !== id) return;
        await this.#retry(() => kv.atomic().check(held).delete(leaseKey).commit());
      },
    };
  }

  /** Closes the database if this store opened it; a `Deno.Kv` passed in stays open. */
  close(): void {
    if (this.#owned) this.#opened?.close();
  }

  #tokenKey(key: string): Deno.KvKey {
    return [...this.#prefix, "token", key];
  }

  #leaseKey(key: string): Deno.KvKey {
    return [...this.#prefix, "lease", key];
  }

  #record(entry: Deno.KvEntryMaybe<unknown>, key: string): TokenRecord | undefined {
    if (entry.value === null) return undefined;
    return parseRecord(entry.value, `The Deno KV entry ${JSON.stringify(this.#tokenKey(key))}`);
  }

  #version(entry: Deno.KvEntryMaybe<unknown>, key: string): number {
    try {
      return this.#record(entry, key)?.version ?? 0;
    } catch {
      return 0; // a foreign value: replaced (check-and-set still guards against races)
    }
  }

  #expiry(token: Token): { expireIn?: number } {
    const ttl = keepFor(token, this.#expireMargin, this.#now());
    return ttl === undefined ? {} : { expireIn: ttl };
  }

  /** Runs `operation`, retrying `database is locked` errors with backoff for up to `lockedRetryFor`. */
  async #retry<T>(operation: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#lockedRetryFor;
    let pause = 5;
    for (;;) {
      try {
        return await operation();
      } catch (error) {
        if (!isLocked(error)) throw error;
        if (Date.now() >= deadline) {
          throw new AuthFetchError(
            "store_error",
            `Deno KV stayed locked for ${this.#lockedRetryFor} ms: ${(error as Error).message}`,
            { cause: error },
          );
        }
        await sleep(pause / 2 + Math.random() * pause);
        pause = Math.min(pause * 2, 200);
      }
    }
  }
}

function isLocked(error: unknown): boolean {
  return error instanceof Error &&
    /database is locked|database table is locked|SQLITE_BUSY/i.test(error.message);
}

function nonNegative(name: string, value: number): number {
  if (typeof value !== "number" || !(value >= 0)) {
    throw new RangeError(
      `Cannot create KvStore: ${name} must be a number ≥ 0, current value is ${value}`,
    );
  }
  return value;
}
