/**
 * {@linkcode StoreGuard}: a token source's view of its store. Retries transient store errors with
 * backoff, reports the ones that remain, and after one remains marks the store down for a while
 * (doubling, up to a cap) so that a store that stays down costs no time per call: the source then
 * works with tokens of its own until a later look finds the store back.
 *
 * @module
 */

import type { Lease, TokenStore } from "./store.ts";
import type { Token } from "./token.ts";
import { sleep } from "../sleep.ts";
import { schedule } from "../deadline_timer.ts";

/** Options of {@linkcode StoreGuard}. */
export interface StoreGuardOptions {
  /** The clock, epoch ms. */
  now: () => number;
  /** Told about each store error that remained after the retries. */
  onError?: (error: unknown) => void;
  /** Retries of a failed store operation. */
  retries?: number;
  /** The first retry's pause, ms; doubled for each further one, with jitter. */
  retryDelay?: number;
  /** How long the store is left alone after an error remained, ms; doubled up to `maxDownFor`. */
  downFor?: number;
  /** The longest time the store is left alone, ms. */
  maxDownFor?: number;
  /** An operation not settled after this long counts as failed, ms. */
  timeout?: number;
}

/** A store operation failed even after its retries, or the store is marked down. */
export class StoreUnavailable extends Error {
  /**
   * @param cause The last error, if any.
   */
  constructor(cause?: unknown) {
    super("the token store is unavailable", { cause });
    this.name = "StoreUnavailable";
  }
}

/** A store with retries, a down-marker and the legacy-key fallback on reads. */
export class StoreGuard {
  /** The store guarded. */
  readonly store: TokenStore;
  #now: () => number;
  #onError?: (error: unknown) => void;
  #retries: number;
  #retryDelay: number;
  #downFor: number;
  #maxDownFor: number;
  #downUntil = 0;
  #nextDownFor: number;
  #timeout: number;

  /**
   * @param store The store.
   * @param options Clock, error hook and retry timing.
   */
  constructor(store: TokenStore, options: StoreGuardOptions) {
    this.store = store;
    this.#now = options.now;
    this.#onError = options.onError;
    this.#retries = options.retries ?? 2;
    this.#retryDelay = options.retryDelay ?? 25;
    this.#downFor = options.downFor ?? 500;
    this.#maxDownFor = options.maxDownFor ?? 10_000;
    this.#nextDownFor = this.#downFor;
    this.#timeout = options.timeout ?? 5_000;
  }

  /** `false` while the store is marked down after an error. */
  get available(): boolean {
    return this.#now() >= this.#downUntil;
  }

  /** Whether the store has leases. */
  get leases(): boolean {
    return this.store.acquire !== undefined;
  }

  /**
   * Reads `key`, or `legacy` when `key` holds nothing.
   *
   * @param key The key.
   * @param legacy The key an older version derived for the same grant.
   * @returns The token.
   * @throws {StoreUnavailable} When the store stays unavailable.
   */
  async get(key: string, legacy?: string): Promise<Token | undefined> {
    const token = await this.run(() => this.store.get(key));
    if (token !== undefined || legacy === undefined || legacy === key) return token;
    return await this.run(() => this.store.get(legacy));
  }

  /**
   * Takes the lease, with fenced writes and renewals retried like every other operation.
   *
   * @param key The key.
   * @param ttl The lease's time to live, ms.
   * @returns The lease, or `undefined` when another holder has it.
   * @throws {StoreUnavailable} When the store stays unavailable.
   */
  async acquire(key: string, ttl: number): Promise<Lease | undefined> {
    const lease = await this.run(() => this.store.acquire!(key, ttl));
    if (lease === undefined) return undefined;
    const renew = lease.renew;
    return {
      set: (token) => this.run(() => lease.set(token)),
      // A keep-alive, tried even while the store is marked down: a lease kept for a failed write
      // must not lapse while the store answers lease operations.
      renew: renew === undefined ? undefined : (ms) => this.run(() => renew.call(lease, ms), true),
      release: () => lease.release(),
    };
  }

  /**
   * Runs a store operation, retrying errors with backoff; marks the store down when they remain.
   *
   * @param operation The operation.
   * @param always Run even while the store is marked down.
   * @returns Its result.
   * @throws {StoreUnavailable} When the store is marked down or the error remained.
   */
  async run<T>(operation: () => Promise<T>, always = false): Promise<T> {
    if (!always && !this.available) throw new StoreUnavailable();
    let pause = this.#retryDelay;
    for (let attempt = 0;; attempt++) {
      try {
        const result = await withTimeout(operation(), this.#timeout);
        this.#nextDownFor = this.#downFor;
        return result;
      } catch (error) {
        if (attempt >= this.#retries) {
          this.#downUntil = this.#now() + this.#nextDownFor;
          this.#nextDownFor = Math.min(this.#nextDownFor * 2, this.#maxDownFor);
          this.#onError?.(error);
          throw new StoreUnavailable(error);
        }
        await sleep(pause / 2 + Math.random() * pause);
        pause *= 2;
      }
    }
  }
}

/**
 * `promise`, or a rejection once `ms` passed (the operation itself may still finish later). On the
 * shared deadline clock (src/deadline_timer.ts): this runs for every store operation of every source
 * with a store, and a setTimeout of its own costs Deno several ms the first time.
 */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let cancel!: () => void;
  const late = new Promise<never>((_, reject) => {
    cancel = schedule(
      ms,
      () => reject(new Error(`the token store did not answer within ${ms} ms`)),
    );
  });
  return Promise.race([promise, late]).finally(cancel);
}
