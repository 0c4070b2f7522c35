/**
 * The {@linkcode TokenStore} contract and the in-process {@linkcode MemoryStore}.
 *
 * @module
 */

import type { Token } from "./token.ts";

/**
 * A held lease on a key: while held, only its holder refreshes the key's token.
 *
 * @example
 * ```ts
 * import { type Lease, MemoryStore } from "@authfetch/authfetch";
 * const store = new MemoryStore();
 * const lease: Lease | undefined = await store.acquire("api", 15_000);
 * console.log(await lease?.renew?.(15_000)); // true: still held, now for another 15 s
 * console.log(await lease?.set({ accessToken: "new", tokenType: "Bearer" })); // true
 * await lease?.release();
 * ```
 */
export interface Lease {
  /**
   * Stores `token` under the lease's key, fenced by the lease: refused when another holder has taken
   * the lease over or anything else wrote the key since the lease was taken (stores keep a version per
   * key, raised by every write). Resolves to `false` when the write was refused: another
   * holder or a newer token is then in charge of the key.
   */
  set(token: Token): Promise<boolean>;
  /**
   * Extends the lease to `ttlMs` from now, fenced like {@linkcode Lease.set}: resolves to `false`, and
   * extends nothing, when another holder has the lease now or the key was written since the lease was
   * taken. A lease that expired while nobody else took it or wrote the key is taken again. A token
   * source renews its lease while its token request is in flight and checks it right before sending,
   * so a request cannot outlive its lease. Optional for other stores; every store of this library has it.
   */
  renew?(ttlMs: number): Promise<boolean>;
  /** Gives the lease up early; a no-op if it already expired or was taken over. */
  release(): Promise<void>;
}

/**
 * Where tokens are kept between calls and, for shared stores, between processes.
 *
 * A store with `acquire` supports cross-process single-flight: {@linkcode tokenSource} takes the lease
 * before asking the grant for a token, and other processes wait for the stored result instead.
 *
 * @example
 * ```ts
 * import { existingToken, type Token, tokenSource, type TokenStore } from "@authfetch/authfetch";
 * const saved = new Map<string, Token>();
 * const mapStore: TokenStore = {
 *   get: (key) => Promise.resolve(saved.get(key)),
 *   set: (key, token) => Promise.resolve(void saved.set(key, token)),
 *   delete: (key) => Promise.resolve(void saved.delete(key)),
 * };
 * const tokens = tokenSource(existingToken({ accessToken: "abc" }), { store: mapStore });
 * ```
 */
export interface TokenStore {
  /** The stored token for `key`, or `undefined`. Corrupt data throws a clear error, never a wrong token. */
  get(key: string): Promise<Token | undefined>;
  /** Stores `token` under `key` unconditionally, raising the key's version. */
  set(key: string, token: Token): Promise<void>;
  /** Deletes the token under `key`; a no-op when there is none. */
  delete(key: string): Promise<void>;
  /**
   * Tries to take the lease on `key` for `ttlMs`. Resolves to the lease, or `undefined` when another
   * holder has it. A lease not released expires by itself after `ttlMs`, so a crashed holder never
   * blocks the others for longer. The lease remembers the key's version when it was taken, so its
   * {@linkcode Lease.set} never overwrites a token another writer stored meanwhile.
   */
  acquire?(key: string, ttlMs: number): Promise<Lease | undefined>;
}

/**
 * Options of {@linkcode MemoryStore}.
 *
 * @example
 * ```ts
 * import { MemoryStore, type MemoryStoreOptions } from "@authfetch/authfetch";
 * let clock = 0;
 * const options: MemoryStoreOptions = { now: () => clock };
 * const store = new MemoryStore(options);
 * await store.acquire("api", 1000);
 * clock = 2000; // the first lease has expired
 * console.log((await store.acquire("api", 1000)) !== undefined); // true
 * ```
 */
export interface MemoryStoreOptions {
  /** The clock, epoch ms, for lease expiry. @default Date.now */
  now?: () => number;
}

/**
 * A store in this process's memory. Several token sources sharing one `MemoryStore` share one token,
 * and its lease makes them refresh once between them.
 *
 * @example
 * ```ts
 * import { MemoryStore } from "@authfetch/authfetch";
 * const store = new MemoryStore();
 * await store.set("k", { accessToken: "a", tokenType: "Bearer" });
 * console.log((await store.get("k"))?.accessToken); // "a"
 * ```
 */
export class MemoryStore implements TokenStore {
  #tokens = new Map<string, Token>();
  #versions = new Map<string, number>();
  #leases = new Map<string, { id: object; until: number }>();
  #now: () => number;

  /**
   * Creates an empty store.
   *
   * @param options The clock.
   */
  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Reads a token.
   *
   * @param key The key.
   * @returns A copy of the stored token.
   */
  get(key: string): Promise<Token | undefined> {
    const token = this.#tokens.get(key);
    return Promise.resolve(token === undefined ? undefined : structuredClone(token));
  }

  /**
   * Stores a token.
   *
   * @param key The key.
   * @param token The token; a copy is kept.
   */
  set(key: string, token: Token): Promise<void> {
    this.#tokens.set(key, structuredClone(token));
    this.#versions.set(key, (this.#versions.get(key) ?? 0) + 1);
    return Promise.resolve();
  }

  /**
   * Deletes a token.
   *
   * @param key The key.
   */
  delete(key: string): Promise<void> {
    this.#tokens.delete(key);
    this.#versions.set(key, (this.#versions.get(key) ?? 0) + 1);
    return Promise.resolve();
  }

  /**
   * Takes the lease on a key unless another holder has it.
   *
   * @param key The key.
   * @param ttlMs How long the lease lasts unless released.
   * @returns The lease, or `undefined` when it is held.
   */
  acquire(key: string, ttlMs: number): Promise<Lease | undefined> {
    const now = this.#now();
    const held = this.#leases.get(key);
    if (held && held.until > now) return Promise.resolve(undefined);
    const id = {};
    const version = this.#versions.get(key) ?? 0;
    this.#leases.set(key, { id, until: now + ttlMs });
    // Ours when nobody else holds the lease now and nobody wrote since this lease was taken.
    const current = () => {
      const held = this.#leases.get(key);
      return (held === undefined || held.id === id || held.until <= this.#now()) &&
        (this.#versions.get(key) ?? 0) === version;
    };
    return Promise.resolve({
      set: (token: Token) => {
        const ok = current();
        if (ok) this.set(key, token);
        return Promise.resolve(ok);
      },
      renew: (ms: number) => {
        const ok = current();
        if (ok) this.#leases.set(key, { id, until: this.#now() + ms });
        return Promise.resolve(ok);
      },
      release: () => {
        if (this.#leases.get(key)?.id === id) this.#leases.delete(key);
        return Promise.resolve();
      },
    });
  }
}
