/**
 * {@linkcode storeHost}: what the store half of a token source ({@linkcode StoreRefresh}) needs from
 * it, built from the source's {@linkcode SourcePort} when the store half loads.
 *
 * @module
 */

import type { Token } from "./token.ts";
import { refreshAt } from "./token_read.ts";
import type { RefreshHost } from "./store_refresh.ts";
import type { SourcePort, StoreSide } from "./source_port.ts";

/**
 * The store half's view of a token source.
 *
 * @param port The token source.
 * @param side Its store and what comes with it.
 * @returns The host for {@linkcode StoreRefresh}.
 */
export function storeHost(port: SourcePort, side: StoreSide): RefreshHost {
  const { grant, config } = port;
  return {
    grant,
    store: side.store,
    // The grant's keys are read (and hashed) only now, when the store needs them.
    key: side.givenKey ?? grant.key ?? "default",
    legacyKey: side.givenKey === undefined ? grant.legacyKey : undefined,
    leaseTtl: side.leaseTtl,
    leaseWait: side.leaseWait,
    storeTimeout: side.storeTimeout,
    onStoreError: side.onStoreError,
    now: () => config.now(),
    token: () => port.token(),
    usable: (token, stale): token is Token => {
      if (token === undefined || token.accessToken === stale) return false;
      const at = refreshAt(token, config.refreshBefore);
      return at === undefined || config.now() < at;
    },
    fromGrant: (current, keeper, signal) => port.fromGrant(current, signal, true, false, keeper),
    plainGrant: (current, signal) => port.plainGrant(current, signal),
    announce: (token) => port.announce(token),
    // The longest pause between two looks at the store while another process refreshes: 250 ms,
    // less while the cached token is still valid (a quarter of its remaining life, at least 25 ms),
    // so a background refresh of a short-lived token finishes before the token expires.
    pollCap: () => {
      const expiresAt = port.token()?.expiresAt;
      if (expiresAt === undefined) return 250;
      return Math.min(250, Math.max(25, (expiresAt - config.now()) / 4));
    },
  };
}
