/**
 * What a token source hands the code it loads with `import()`: the store half
 * (`store_host.ts`, `store_refresh.ts`) and refreshing with a refresh token (`source_refresh.ts`).
 * Types only: the token source (`source.ts`) builds a {@linkcode SourcePort} when one of them
 * first needs it.
 *
 * @module
 */

import type { Token } from "./token.ts";
import type { TokenStore } from "./store.ts";
import type { Grant, LOST } from "./source.ts";
import type { LeaseKeeper } from "./lease_keeper.ts";
import type { StoreRefresh } from "./store_refresh.ts";

/** What only a source with a store holds. */
export interface StoreSide {
  /** The store. */
  store: TokenStore;
  /** The `key` option, if given. */
  givenKey: string | undefined;
  /** The lease's time to live, ms. */
  leaseTtl: number;
  /** How long to wait for another process's refresh, ms. */
  leaseWait: number;
  /** A store operation not settled after this long counts as failed, ms. */
  storeTimeout: number;
  /** Told about store errors that remained after their retries. */
  onStoreError: ((error: unknown) => void) | undefined;
  /** The store half, loaded on first use. */
  loading?: Promise<StoreRefresh>;
  /** The store half, once loaded. */
  refresh?: StoreRefresh;
}

/** A token source's settings that the loaded code reads. */
export interface SourceConfig {
  /** How long before expiry a token is refreshed, ms. */
  refreshBefore: number;
  /** The clock, epoch ms. */
  now: () => number;
}

/** The token source, as the code it loads later sees it. */
export interface SourcePort {
  /** The grant. */
  readonly grant: Grant;
  /** The source's settings. */
  readonly config: SourceConfig;
  /** The store and what comes with it, for a source that has one. */
  readonly side: StoreSide | undefined;
  /** The cached token. */
  token(): Token | undefined;
  /** Replaces the cached token. */
  set(token: Token | undefined): void;
  /** A token from the grant (a refresh of `current` when it has a refresh token, else the initial flow). */
  fromGrant(
    current: Token | undefined,
    signal: AbortSignal,
    leased?: boolean,
    retried?: boolean,
    keeper?: LeaseKeeper,
  ): Promise<Token | typeof LOST>;
  /** {@linkcode SourcePort.fromGrant} without a lease, which therefore cannot be lost. */
  plainGrant(current: Token | undefined, signal: AbortSignal): Promise<Token>;
  /** Announces a token obtained (`onTokenChange`) and returns it. */
  announce(token: Token): Promise<Token>;
}
