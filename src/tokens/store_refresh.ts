/**
 * {@linkcode StoreRefresh}: how a token source obtains a token when it has a store — the store and
 * lease half of {@linkcode tokenSource}, loaded only by sources that have a store.
 *
 * - The lease holder's request cannot outlive its lease: the lease is renewed while the request is
 *   in flight and checked right before sending ({@linkcode LeaseKeeper}).
 * - A token the server issued is never lost: a failed write keeps it (and the lease) and writes it
 *   again on later calls.
 * - Store faults are retried and reported ({@linkcode StoreGuard}); a store that stays down
 *   degrades to tokens of this process's own, never obtained by spending a shared refresh token.
 *
 * @module
 */

import { AuthFetchError } from "../errors.ts";
import type { Token } from "./token.ts";
import type { Lease, TokenStore } from "./store.ts";
import { type Grant, LOST } from "./source.ts";
import { sleep } from "../sleep.ts";
import { LeaseKeeper } from "./lease_keeper.ts";
import { StoreGuard, StoreUnavailable } from "./store_guard.ts";

/** What {@linkcode StoreRefresh} needs from its token source. */
export interface RefreshHost {
  /** The grant. */
  readonly grant: Grant;
  /** The store. */
  readonly store: TokenStore;
  /** The store key. */
  readonly key: string;
  /** The key older versions derived for the grant, read when `key` holds nothing. */
  readonly legacyKey?: string;
  /** The lease's time to live, ms. */
  readonly leaseTtl: number;
  /** How long to wait for another process's refresh, ms. */
  readonly leaseWait: number;
  /** A store operation not settled after this long counts as failed, ms. */
  readonly storeTimeout: number;
  /** Told about store errors that remained after their retries. */
  readonly onStoreError?: (error: unknown) => void;
  /** The clock, epoch ms. */
  now(): number;
  /** The cached token. */
  token(): Token | undefined;
  /** A token `stale` is not, unexpired and not yet due for refresh. */
  usable(token: Token | undefined, stale: string | undefined): token is Token;
  /** A token from the grant (refresh, else initial), checking `keeper` right before sending. */
  fromGrant(
    current: Token | undefined,
    keeper: LeaseKeeper,
    signal: AbortSignal,
  ): Promise<Token | typeof LOST>;
  /** A token from the grant, without a lease. */
  plainGrant(current: Token | undefined, signal: AbortSignal): Promise<Token>;
  /** Announces a token obtained (onTokenChange) and returns it. */
  announce(token: Token): Promise<Token>;
  /** The longest pause between two looks at the store, ms. */
  pollCap(): number;
}

/** A token the store refused, waiting to be written again. */
interface PendingWrite {
  token: Token;
  /** The lease kept since the failed write, if any: no other process refreshes meanwhile. */
  lease?: Lease;
  /** When to try next, epoch ms. */
  at: number;
  /** The pause before the next try after this one fails, ms. */
  delay: number;
}

/** The store half of a token source. */
export class StoreRefresh {
  #host: RefreshHost;
  #guard: StoreGuard;
  /** Tokens this process obtained that are not known to be in the store: only it holds them. */
  #unshared = new WeakSet<Token>();
  /** A token the store refused to take (an error, not a fence): written again by later calls. */
  #pending?: PendingWrite;
  #flushing = false;

  /**
   * @param host The token source's side.
   */
  constructor(host: RefreshHost) {
    this.#host = host;
    this.#guard = new StoreGuard(host.store, {
      now: () => host.now(),
      onError: host.onStoreError,
      timeout: host.storeTimeout,
    });
  }

  /** The stored token, or `undefined` when there is none or the store cannot say. */
  stored(): Promise<Token | undefined> {
    return this.#guard.get(this.#host.key).catch(() => undefined);
  }

  /** Deletes the stored token, as far as the store lets it. */
  remove(): Promise<void> {
    return this.#guard.run(() => this.#host.store.delete(this.#host.key)).catch(() => {});
  }

  /** Whether a token waits to be written. */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * A token for the source: the stored one when fresh, else one obtained under the lease.
   *
   * @param stale An access token not to return.
   * @param signal Aborts the wait and the token request (every caller waiting gave up).
   * @returns The token.
   */
  async obtain(stale: string | undefined, signal: AbortSignal): Promise<Token> {
    const guard = this.#guard;
    if (this.#pending !== undefined) await this.#flush();
    if (!guard.available) return await this.#alone(signal);
    try {
      const stored = await guard.get(this.#host.key, this.#host.legacyKey);
      if (this.#host.usable(stored, stale)) return this.#adopt(stored);
      if (!guard.leases) {
        const token = await this.#host.plainGrant(newest(this.#host.token(), stored), signal);
        try {
          await guard.run(() => guard.store.set(this.#host.key, token));
        } catch {
          this.#keepUnwritten(token);
        }
        return await this.#host.announce(token);
      }
      const deadline = this.#host.now() + this.#host.leaseWait;
      let pause = 10;
      for (;;) {
        const lease = await guard.acquire(this.#host.key, this.#host.leaseTtl);
        if (lease !== undefined) {
          const token = await this.#asHolder(lease, stale, signal);
          if (token !== undefined) return token;
          // Lost the lease before sending (paused past its TTL): wait for whoever has it now.
        }
        if (this.#host.now() >= deadline) {
          if (this.#host.grant.interactive) {
            throw new AuthFetchError(
              "lease_timeout",
              `Waited ${this.#host.leaseWait} ms for another process to refresh the token under key "${this.#host.key}"; ` +
                "it neither stored a token nor released its lease",
            );
          }
          // The holder is slow or its store writes fail: obtain a token of our own instead.
          return await this.#alone(signal);
        }
        await sleep(pause, signal);
        pause = Math.min(pause * 2, this.#host.pollCap());
        const latest = await guard.get(this.#host.key, this.#host.legacyKey);
        if (this.#host.usable(latest, stale)) return this.#adopt(latest);
      }
    } catch (error) {
      if (!(error instanceof StoreUnavailable)) throw error;
      return await this.#alone(signal);
    }
  }

  /**
   * Refreshes as the lease holder: the lease is renewed while the token request is in flight and
   * checked right before it is sent; the write is fenced by the lease.
   *
   * @returns The token, or `undefined` when the lease was lost before anything was sent.
   */
  async #asHolder(
    lease: Lease,
    stale: string | undefined,
    signal: AbortSignal,
  ): Promise<Token | undefined> {
    const guard = this.#guard!;
    const keeper = new LeaseKeeper(lease, this.#host.leaseTtl);
    let keepLease = false;
    try {
      // Double-check: the previous holder may have stored a fresh token just now.
      const latest = await guard.get(this.#host.key, this.#host.legacyKey);
      if (this.#host.usable(latest, stale)) return this.#adopt(latest);
      // Spend only a refresh token no other process can be spending: the newest of the stored one
      // (we hold its lease) and ours (newer when only we have it, or when the store lost our write in
      // a failover). A token others cached but the store lost entirely (a restarted Redis, a removed
      // file) may be in another holder's hands right now, whose lease vanished with it: log in afresh
      // (unless logging in needs a person: an interactive grant refreshes what it has).
      const current = latest === undefined && !this.#isPrivate() && !this.#host.grant.interactive
        ? undefined
        : newest(this.#host.token(), latest);
      const started = this.#host.now();
      keeper.start();
      const outcome = await this.#host.fromGrant(current, keeper, signal);
      keeper.stop();
      if (outcome === LOST) return undefined;
      const token = outcome;
      let written: boolean;
      try {
        written = await lease.set(token);
      } catch {
        // The store would not take it: keep it (the server issued it; the old refresh token is spent)
        // and the lease, so no other process spends the old one; later calls write it again.
        keepLease = true;
        this.#keepUnwritten(token, lease);
        return await this.#host.announce(token);
      }
      if (written) return await this.#host.announce(token);
      // Refused: this holder outlived its lease and another process stored a token meanwhile. Take
      // that one, unless it was issued before our request started (an older family that our request
      // replaced, or one a reuse revoked): ours is then the one to keep and store.
      const winner = await guard.get(this.#host.key).catch(() => undefined);
      if (this.#host.usable(winner, stale) && (winner.issuedAt ?? Infinity) >= started) {
        return this.#adopt(winner);
      }
      this.#keepUnwritten(token);
      return await this.#host.announce(token);
    } finally {
      keeper.stop();
      if (!keepLease) await lease.release().catch(() => {});
    }
  }

  /**
   * A token without the store (down, or its holder never delivered): this process's own. Refreshes a
   * token only this process holds, else runs the initial grant; an interactive grant, which needs a
   * person for that, refreshes what it has.
   */
  async #alone(signal: AbortSignal): Promise<Token> {
    const own = this.#isPrivate() || this.#host.grant.interactive ? this.#host.token() : undefined;
    const token = await this.#host.plainGrant(own, signal);
    this.#keepUnwritten(token);
    return await this.#host.announce(token);
  }

  /** Whether the cached token is one only this process holds (never written to the store). */
  #isPrivate(): boolean {
    const token = this.#host.token();
    return token !== undefined && this.#unshared.has(token);
  }

  /** Takes a token read from the store. */
  #adopt(token: Token): Token {
    if (
      this.#pending !== undefined && (this.#pending.token.issuedAt ?? 0) <= (token.issuedAt ?? 0)
    ) {
      this.dropPending();
    }
    return token;
  }

  /**
   * Keeps a token the store does not have yet, to be written by later calls. A lease kept for an
   * earlier unwritten token stays kept: the store still holds the token whose refresh token we spent.
   */
  #keepUnwritten(token: Token, lease?: Lease): void {
    const kept = this.#pending?.lease;
    if (lease !== undefined && kept !== undefined && kept !== lease) kept.release().catch(() => {});
    this.#unshared.add(token);
    this.#pending = { token, lease: lease ?? kept, at: this.#host.now() + 50, delay: 100 };
  }

  /** Forgets the pending token (on logout). */
  dropPending(): void {
    const lease = this.#pending?.lease;
    this.#pending = undefined;
    lease?.release().catch(() => {});
  }

  /** Starts writing the pending token in the background, if one is due. */
  flushSoon(): void {
    const pending = this.#pending!;
    if (this.#flushing || this.#host.now() < pending.at) return;
    this.#flush().catch(() => {});
  }

  /**
   * Writes the pending token: through the lease kept since its write failed, else through a new
   * lease, and only over an older token (a token stored since is newer and wins). Never throws.
   */
  async #flush(): Promise<void> {
    const pending = this.#pending;
    const guard = this.#guard;
    if (pending === undefined || guard === undefined || this.#flushing) return;
    if (this.#host.now() < pending.at) return;
    this.#flushing = true;
    try {
      const kept = pending.lease;
      if (kept !== undefined) {
        // Keep the lease first, so no other process spends the refresh token ours replaced.
        if (await (kept.renew?.(this.#host.leaseTtl) ?? Promise.resolve(true))) {
          if (await kept.set(pending.token)) {
            pending.lease = undefined;
            await kept.release().catch(() => {});
            return this.#written(pending);
          }
        }
        // Taken over, or the key written since: someone else is in charge now.
        pending.lease = undefined;
        await kept.release().catch(() => {});
      }
      const lease = guard.leases
        ? await guard.acquire(this.#host.key, this.#host.leaseTtl)
        : undefined;
      if (guard.leases && lease === undefined) return this.#later(pending); // another holder at work
      try {
        const stored = await guard.get(this.#host.key);
        if (stored !== undefined && (stored.issuedAt ?? 0) >= (pending.token.issuedAt ?? 0)) {
          return this.dropPending(); // a newer token is stored: it is adopted when ours is due
        }
        if (lease === undefined) {
          await guard.run(() => guard.store.set(this.#host.key, pending.token));
        } else if (!(await lease.set(pending.token))) return this.#later(pending);
        this.#written(pending);
      } finally {
        await lease?.release().catch(() => {});
      }
    } catch {
      this.#later(pending);
    } finally {
      this.#flushing = false;
    }
  }

  #written(pending: PendingWrite): void {
    if (this.#pending === pending) this.#pending = undefined;
    this.#unshared.delete(pending.token);
  }

  #later(pending: PendingWrite): void {
    pending.delay = Math.min(pending.delay * 2, 10_000);
    // With the lease kept, try again well within its time to live, so it is renewed in time.
    const wait = pending.lease === undefined
      ? pending.delay * (0.5 + Math.random())
      : Math.min(pending.delay, this.#host.leaseTtl / 3);
    pending.at = this.#host.now() + wait;
  }
}

/** The later-issued of two tokens. */
function newest(a: Token | undefined, b: Token | undefined): Token | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (b.issuedAt ?? 0) > (a.issuedAt ?? 0) ? b : a;
}
