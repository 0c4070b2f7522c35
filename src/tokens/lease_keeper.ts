/**
 * Keeps a store lease while its holder's token request is in flight: renews it every third of its
 * time to live, and checks it right before the request is sent, so a request never outlives its lease
 * and a holder that lost its lease (paused, or the store forgot it) never starts a refresh.
 *
 * @module
 */

import type { Lease } from "./store.ts";

/** A lease being kept alive; one per token request. */
export class LeaseKeeper {
  /** The lease kept. */
  readonly lease: Lease;
  #ttl: number;
  #timer?: ReturnType<typeof setInterval>;
  #lost = false;
  #renewing?: Promise<boolean>;

  /**
   * Wraps a lease just taken.
   *
   * @param lease The lease.
   * @param ttl The lease's time to live, ms; each renewal extends it by this much from then.
   */
  constructor(lease: Lease, ttl: number) {
    this.lease = lease;
    this.#ttl = ttl;
  }

  /** `true` once a renewal found the lease taken over or the key written by someone else. */
  get lost(): boolean {
    return this.#lost;
  }

  /**
   * Renews the lease now; used right before a token request is sent. A lease without `renew`
   * counts as held.
   *
   * @returns Whether the lease is still this holder's.
   */
  async check(): Promise<boolean> {
    if (this.#lost) return false;
    if (this.lease.renew === undefined) return true;
    this.#renewing ??= this.lease.renew(this.#ttl).catch(() => false).finally(() => {
      this.#renewing = undefined;
    });
    const held = await this.#renewing;
    if (!held) this.#lost = true;
    return held;
  }

  /**
   * Starts renewing every third of the lease's time to live until {@linkcode LeaseKeeper.stop}. The
   * timer lives only while a token request is in flight, which keeps the process busy anyway.
   */
  start(): void {
    if (this.lease.renew === undefined || this.#timer !== undefined) return;
    const every = Math.max(10, Math.floor(this.#ttl / 3));
    this.#timer = setInterval(() => {
      this.check().then((held) => {
        if (!held) this.stop();
      });
    }, every);
  }

  /** Stops renewing; the lease itself is released (or left to expire) by its holder. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
