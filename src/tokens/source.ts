/**
 * {@linkcode tokenSource}: caching, proactive refresh, single-flight refresh inside a process and, with
 * a store that has a lease, across processes.
 *
 * @module
 */

import type { Token } from "./token.ts";
import { refreshAt } from "./token_read.ts";
import type { TokenStore } from "./store.ts";
import { SharedRequest } from "./shared_request.ts";
import type { LeaseKeeper } from "./lease_keeper.ts";
import type { SourcePort, StoreSide } from "./source_port.ts";

/**
 * What a token request under a lease returns when the lease was lost before anything was sent (the
 * lease itself is kept by `LeaseKeeper`, in the store half).
 */
export const LOST: unique symbol = Symbol("lease lost");

/**
 * Options of {@linkcode TokenSource.getToken}.
 *
 * @example
 * ```ts
 * import { existingToken, type GetTokenOptions, tokenSource } from "@authfetch/authfetch";
 * const tokens = tokenSource(existingToken({ accessToken: "abc" }));
 * const options: GetTokenOptions = { signal: new AbortController().signal, rejected: "old" };
 * console.log((await tokens.getToken(options)).accessToken); // "abc"
 * ```
 */
export interface GetTokenOptions {
  /**
   * Stops the caller's wait at once. A token request other callers share goes on for them; when every
   * caller waiting for it has aborted, it is aborted too. @default undefined
   */
  signal?: AbortSignal;
  /**
   * An access token a server refused. The source returns a different one, refreshing once however many
   * callers report the same rejected token. @default undefined
   */
  rejected?: string;
  /**
   * The resource's challenge, when the token is asked for because of a 401 or 403: sources that discover
   * the authorization server (`protectedResource()`) read its `resource_metadata` and `scope`; others
   * ignore it. @default undefined
   */
  challenge?: TokenChallenge;
}

/**
 * A resource's 401 or 403, as `auth()` hands it to {@linkcode TokenSource.getToken}.
 *
 * @example
 * ```ts
 * import type { TokenChallenge } from "@authfetch/authfetch";
 * const challenge: TokenChallenge = {
 *   status: 403,
 *   url: "https://api.example.com/v1/things",
 *   wwwAuthenticate: 'Bearer error="insufficient_scope", scope="things:write"',
 * };
 * ```
 */
export interface TokenChallenge {
  /** The response status: 401 or 403. */
  status: number;
  /** The URL of the request that was refused. */
  url: string;
  /** The response's `WWW-Authenticate` header, if it had one. */
  wwwAuthenticate: string | null;
}

/**
 * Something that hands out access tokens.
 *
 * @example
 * ```ts
 * import { auth, type TokenSource } from "@authfetch/authfetch";
 * const fromConfig: TokenSource = {
 *   getToken: () => Promise.resolve({ accessToken: "abc", tokenType: "Bearer" }),
 * };
 * const handler = auth(fromConfig);
 * ```
 */
export interface TokenSource {
  /**
   * A valid token: the cached one, or a new one when there is none, it expired, or it was rejected.
   *
   * @param options The caller's signal and a rejected token.
   */
  getToken(options?: GetTokenOptions): Promise<Token>;
}

/**
 * Options given to a grant's `token` and `refresh`.
 *
 * @example
 * ```ts
 * import { clientCredentials, type GrantRequestOptions } from "@authfetch/authfetch";
 * const grant = clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-service",
 *   clientSecret: "s3cret",
 * });
 * const options: GrantRequestOptions = { signal: new AbortController().signal };
 * // const token = await grant.token(options);
 * ```
 */
export interface GrantRequestOptions {
  /** Aborts the token request. @default undefined */
  signal?: AbortSignal;
}

/**
 * Obtains (and possibly refreshes) tokens: one per OAuth grant type.
 *
 * @example
 * ```ts
 * import { type Grant, tokenSource } from "@authfetch/authfetch";
 * const fixed: Grant = {
 *   token: () => Promise.resolve({ accessToken: "abc", tokenType: "Bearer" }),
 *   key: "fixed",
 * };
 * console.log((await tokenSource(fixed).getToken()).accessToken); // "abc"
 * ```
 */
export interface Grant {
  /** Obtains a token from scratch (the initial grant). */
  token(options?: GrantRequestOptions): Promise<Token>;
  /** Obtains a new token from `token`'s refresh token. */
  refresh?(token: Token, options?: GrantRequestOptions): Promise<Token>;
  /**
   * `true` when `token()` needs a person (device flow, authorization code): a refresh token rejected
   * with `invalid_grant` then throws instead of silently starting a login.
   */
  readonly interactive?: boolean;
  /**
   * A store key that names this grant's identity, used by default: a hash of everything that changes
   * the token (endpoint, client, scope, audience, resource, extra parameters, subject, DPoP key).
   */
  readonly key?: string;
  /**
   * The key an older version of this library derived for the same grant; read when `key` holds
   * nothing, so an upgrade logs nobody out. Only set where it named this grant alone.
   */
  readonly legacyKey?: string;
}

/**
 * Options of {@linkcode tokenSource}.
 *
 * @example
 * ```ts
 * import { existingToken, MemoryStore, tokenSource, type TokenSourceOptions } from "@authfetch/authfetch";
 * const options: TokenSourceOptions = { store: new MemoryStore(), key: "api", refreshBefore: 30_000 };
 * const tokens = tokenSource(existingToken({ accessToken: "abc" }), options);
 * ```
 */
export interface TokenSourceOptions {
  /** Where tokens are kept; with a lease, processes sharing it refresh once between them. @default undefined (memory of this source only) */
  store?: TokenStore;
  /** The key in the store. @default the grant's `key`, else `"default"` */
  key?: string;
  /** Refresh this long before expiry, in ms; at most a tenth of the token's lifetime. @default 60000 */
  refreshBefore?: number;
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
  /** Called with every token this source obtains (new or rotated), after it is stored. @default undefined */
  onTokenChange?: (token: Token) => void | Promise<void>;
  /** Called when a background (proactive) refresh fails; callers keep the still-valid token. @default undefined */
  onRefreshError?: (error: unknown) => void;
  /**
   * Called with each store error that remained after its retries (a failed write, an unreachable
   * store). The source goes on without the store: a token it obtained is kept in memory, handed to
   * callers and written again later; while the store stays down this process works with tokens of its
   * own (obtained by the initial grant, never by spending a refresh token other processes share).
   * @default `onRefreshError`
   */
  onStoreError?: (error: unknown) => void;
  /**
   * A store operation not settled after this long counts as failed (and is retried), ms: a Redis
   * client queueing commands while it reconnects would otherwise hold callers. @default 5000
   */
  storeTimeout?: number;
  /**
   * How long a store lease lasts, ms. The holder renews it every third of this while its token
   * request is in flight (however slow: each attempt may take the grant's `timeout`, 30 s by default,
   * times its retries), so this bounds only how long a crashed or paused holder blocks the others.
   * @default 15000
   */
  leaseTtl?: number;
  /**
   * How long a caller waits for another process's refresh, ms. Past it the caller obtains a token of its
   * own by the grant's initial flow (an interactive grant throws `lease_timeout` instead); it never
   * spends the shared refresh token, which the holder may be spending. @default 60000
   */
  leaseWait?: number;
  /** After a failed background refresh, wait this long before trying again in the background, ms. @default 5000 */
  backgroundRetryDelay?: number;
}

/**
 * A {@linkcode TokenSource} that owns its cache.
 *
 * @example
 * ```ts
 * import { existingToken, type ManagedTokenSource, tokenSource } from "@authfetch/authfetch";
 * const tokens: ManagedTokenSource = tokenSource(existingToken({ accessToken: "abc" }));
 * await tokens.getToken();
 * await tokens.clear(); // on logout: forget the cached token
 * ```
 */
export interface ManagedTokenSource extends TokenSource {
  /** Forgets the cached token and deletes it from the store. */
  clear(): Promise<void>;
}

/**
 * Wraps a grant in a caching token source.
 *
 * - A cached, unexpired token is returned at once (no store access, no I/O).
 * - From `refreshBefore` ahead of expiry (at most a tenth of the token's lifetime), callers keep getting the
 *   still-valid token while one background refresh runs; only an expired token makes callers wait. No
 *   timer is ever started: refreshes are started by calls, so nothing keeps a process alive.
 * - Any number of concurrent callers cause one token request (single-flight); with a store that has a
 *   lease, any number of processes do.
 * - `getToken({ rejected })` returns a token other than the rejected one, refreshing once for all
 *   callers that report the same token.
 * - A refresh that fails with `invalid_grant` drops the stored token and runs the grant's initial flow,
 *   unless that needs a person (`grant.interactive`), in which case it throws an {@linkcode OAuthError}.
 * - A refresh response without a new refresh token keeps the old one.
 *
 * @param grant Where tokens come from.
 * @param options Store, key, refresh timing and hooks.
 * @returns The token source.
 * @throws {RangeError} When a timing option is negative or not a number.
 * @example
 * ```ts
 * import { clientCredentials, tokenSource } from "@authfetch/authfetch";
 * const tokens = tokenSource(clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-service",
 *   clientSecret: "s3cret",
 * }), { refreshBefore: 30_000 });
 * // const { accessToken } = await tokens.getToken();
 * ```
 */
export function tokenSource(grant: Grant, options: TokenSourceOptions = {}): ManagedTokenSource {
  return new CachingTokenSource(grant, options);
}

/** The timing and hooks of one source; sources given none of them share one. */
interface Config {
  refreshBefore: number;
  now: () => number;
  onTokenChange: ((token: Token) => void | Promise<void>) | undefined;
  onRefreshError: ((error: unknown) => void) | undefined;
  backgroundRetryDelay: number;
}

/** The defaults' config; its clock is looked up on each use (a fake clock installed later is seen). */
const DEFAULT_CONFIG: Config = {
  refreshBefore: 60_000,
  now: () => Date.now(),
  onTokenChange: undefined,
  onRefreshError: undefined,
  backgroundRetryDelay: 5_000,
};

/** The token request in flight and the token it replaces. */
interface Inflight {
  request: SharedRequest<Token>;
  stale: string | undefined;
}

class CachingTokenSource implements ManagedTokenSource {
  #grant: Grant;
  #config: Config;
  #token: Token | undefined = undefined;
  #inflight: Inflight | undefined = undefined;
  #backgroundBlockedUntil = 0;
  #generation = 0;
  /** Only a source with a store has one: a source without holds none of its fields. */
  #store: StoreSide | undefined;

  constructor(grant: Grant, options: TokenSourceOptions) {
    this.#grant = grant;
    // Checked in this order whether or not there is a store.
    const refreshBefore = nonNegative("refreshBefore", options.refreshBefore ?? 60_000);
    const leaseTtl = nonNegative("leaseTtl", options.leaseTtl ?? 15_000);
    const leaseWait = nonNegative("leaseWait", options.leaseWait ?? 60_000);
    const backgroundRetryDelay = nonNegative(
      "backgroundRetryDelay",
      options.backgroundRetryDelay ?? 5_000,
    );
    const storeTimeout = nonNegative("storeTimeout", options.storeTimeout ?? 5_000);
    this.#config = options.refreshBefore === undefined && options.now === undefined &&
        options.onTokenChange === undefined && options.onRefreshError === undefined &&
        options.backgroundRetryDelay === undefined
      ? DEFAULT_CONFIG
      : {
        refreshBefore,
        now: options.now ?? Date.now,
        onTokenChange: options.onTokenChange,
        onRefreshError: options.onRefreshError,
        backgroundRetryDelay,
      };
    // The grant's keys are read (and hashed) only when a store needs them.
    this.#store = options.store === undefined ? undefined : {
      store: options.store,
      givenKey: options.key,
      leaseTtl,
      leaseWait,
      storeTimeout,
      onStoreError: options.onStoreError ?? options.onRefreshError,
    };
  }

  getToken(options: GetTokenOptions = {}): Promise<Token> {
    const refresh = this.#store?.refresh;
    if (refresh?.pending) refresh.flushSoon();
    const token = this.#token;
    if (token !== undefined && token.accessToken !== options.rejected) {
      const expiresAt = token.expiresAt;
      if (expiresAt === undefined) return Promise.resolve(token);
      const config = this.#config;
      const now = config.now();
      if (now < expiresAt) {
        if (
          now >= refreshAt(token, config.refreshBefore)! && this.#inflight === undefined &&
          now >= this.#backgroundBlockedUntil
        ) {
          this.#refreshInBackground(token);
        }
        return Promise.resolve(token);
      }
    }
    return this.#renew(options.rejected ?? token?.accessToken, options.signal);
  }

  async clear(): Promise<void> {
    this.#generation++;
    this.#set(undefined);
    const side = this.#store;
    if (side === undefined) return;
    side.refresh?.dropPending();
    await side.store.delete(side.givenKey ?? this.#grant.key ?? "default");
  }

  #set(token: Token | undefined): void {
    this.#token = token;
  }

  #refreshInBackground(token: Token): void {
    this.#shared(token.accessToken, undefined).catch((error) => {
      const config = this.#config;
      this.#backgroundBlockedUntil = config.now() + config.backgroundRetryDelay;
      config.onRefreshError?.(error);
    });
  }

  async #renew(stale: string | undefined, signal?: AbortSignal): Promise<Token> {
    signal?.throwIfAborted();
    let token = await this.#shared(stale, signal);
    // The shared refresh may have been started for another reason and returned the rejected token
    // (adopted from a store, say): ask once more, now for this rejection.
    if (stale !== undefined && token.accessToken === stale) {
      token = await this.#shared(stale, signal);
    }
    return token;
  }

  /**
   * Joins the token request in flight, or starts one. `signal` releases this caller only; the request is
   * aborted when every caller waiting for it has given up (a background refresh, `signal` undefined,
   * keeps it going).
   */
  #shared(stale: string | undefined, signal: AbortSignal | undefined): Promise<Token> {
    const inflight = this.#inflight;
    const current = inflight === undefined || inflight.request.abandoned ? undefined : inflight;
    if (current !== undefined && (current.stale === stale || stale === undefined)) {
      return current.request.join(signal);
    }
    if (current !== undefined) {
      // A refresh is under way for another token; a caller that reports the token it produces waits for it,
      // then refreshes again if still needed.
      return current.request.join(signal).then(
        (token) => token.accessToken === stale ? this.#shared(stale, signal) : token,
        (error) => {
          if (signal?.aborted) throw error;
          return this.#shared(stale, signal);
        },
      );
    }
    const generation = this.#generation;
    const shared = new SharedRequest((abort) =>
      this.#obtain(stale, abort).then((token) => {
        if (generation === this.#generation) this.#set(token);
        return token;
      })
    );
    const started: Inflight = { request: shared, stale };
    shared.settled.then(() => {
      if (this.#inflight === started) this.#inflight = undefined;
    });
    this.#inflight = started;
    return shared.join(signal);
  }

  async #obtain(stale: string | undefined, signal: AbortSignal): Promise<Token> {
    const side = this.#store;
    if (side === undefined) {
      return await this.#announce(await this.#plainGrant(this.#token, signal));
    }
    // The store half is loaded on first use: sources without a store never carry it.
    side.loading ??= import("../lazy.ts").then(({ StoreRefresh, storeHost }) => {
      const refresh = new StoreRefresh(storeHost(this.#port(), side));
      side.refresh = refresh;
      return refresh;
    });
    return await (await side.loading).obtain(stale, signal);
  }

  /** What the code loaded later (the store half, refreshing) needs from this source. */
  #port(): SourcePort {
    return {
      grant: this.#grant,
      config: this.#config,
      side: this.#store,
      token: () => this.#token,
      set: (token) => this.#set(token),
      fromGrant: (current, signal, leased, retried, keeper) =>
        this.#fromGrant(current, signal, leased, retried, keeper),
      plainGrant: (current, signal) => this.#plainGrant(current, signal),
      announce: (token) => this.#announce(token),
    };
  }

  /**
   * {@linkcode CachingTokenSource.#fromGrant} without a lease: `LOST` comes only from a lease's keeper,
   * and none is given.
   */
  #plainGrant(current: Token | undefined, signal: AbortSignal): Promise<Token> {
    return this.#fromGrant(current, signal) as Promise<Token>;
  }

  /**
   * A token from the grant: a refresh of `current` when it has a refresh token, else the initial flow.
   *
   * @param current The newest token known.
   * @param signal Aborts the grant's request (every waiter gave up).
   * @param leased `true` when the caller holds the store's lease and writes through it (the stored
   *   token is then replaced by a fenced write, not deleted: a delete would raise the key's version).
   * @param retried `true` once a rejected refresh was retried with the stored refresh token.
   * @param keeper The lease being kept, checked right before each request is sent.
   * @returns The token, or {@linkcode LOST} when the lease was lost before a request was sent.
   */
  async #fromGrant(
    current: Token | undefined,
    signal: AbortSignal,
    leased = false,
    retried = false,
    keeper?: LeaseKeeper,
  ): Promise<Token | typeof LOST> {
    const grant = this.#grant;
    if (current?.refreshToken !== undefined && grant.refresh !== undefined) {
      // Refreshing, and recovering from a rejected refresh token, load with the first refresh.
      const { refreshOnce } = await import("../lazy.ts");
      const refreshed = await refreshOnce(this.#port(), current, signal, leased, retried, keeper);
      if (refreshed !== undefined) return refreshed;
    }
    // The initial grant (also after a revoked refresh token) runs under the lease too: one re-login
    // for all processes.
    if (keeper !== undefined && !(await keeper.check())) return LOST;
    return await grant.token({ signal });
  }

  async #announce(token: Token): Promise<Token> {
    await this.#config.onTokenChange?.(token);
    return token;
  }
}

function nonNegative(name: string, value: number): number {
  if (typeof value !== "number" || !(value >= 0)) {
    throw new RangeError(
      `Cannot create token source: ${name} must be a number ≥ 0, current value is ${value}`,
    );
  }
  return value;
}
