/**
 * {@linkcode refreshOnce}: a token source's refresh with a refresh token, and its recovery when the
 * server rejects that refresh token. Loaded with a source's first refresh: a client-credentials
 * source, which has no refresh token, never loads it.
 *
 * @module
 */

import { OAuthError } from "../errors.ts";
import type { Token } from "./token.ts";
import { LOST } from "./source.ts";
import type { LeaseKeeper } from "./lease_keeper.ts";
import type { SourcePort } from "./source_port.ts";

/**
 * Refreshes `current` with the grant. On `invalid_grant` it tries once more with the refresh token
 * in the store (another process may have rotated it meanwhile), else drops the cached token (and the
 * stored one, unless a lease holder's fenced write replaces it) and answers `undefined`, so the
 * source runs the initial grant; an interactive grant throws instead: a person must log in again.
 *
 * @param port The token source.
 * @param current The token to refresh, with a refresh token.
 * @param signal Aborts the refresh.
 * @param leased `true` when the caller holds the store's lease and writes through it.
 * @param retried `true` once a rejected refresh was retried with the stored refresh token.
 * @param keeper The lease being kept, checked right before the request is sent.
 * @returns The token, {@linkcode LOST} when the lease was lost before anything was sent, or
 *   `undefined` to go on with the initial grant.
 */
export async function refreshOnce(
  port: SourcePort,
  current: Token,
  signal: AbortSignal,
  leased: boolean,
  retried: boolean,
  keeper: LeaseKeeper | undefined,
): Promise<Token | typeof LOST | undefined> {
  const grant = port.grant;
  try {
    if (keeper !== undefined && !(await keeper.check())) return LOST;
    const token = await grant.refresh!(current, { signal });
    if (token.refreshToken === undefined) token.refreshToken = current.refreshToken;
    return token;
  } catch (error) {
    if (!(error instanceof OAuthError) || error.error !== "invalid_grant") throw error;
    // Another process may have rotated the refresh token meanwhile: try once with the stored one.
    const stored = retried ? undefined : await port.side?.refresh?.stored();
    if (stored?.refreshToken !== undefined && stored.refreshToken !== current.refreshToken) {
      return await port.fromGrant(stored, signal, leased, true, keeper);
    }
    port.set(undefined);
    if (!leased || grant.interactive) await port.side?.refresh?.remove();
    if (grant.interactive) {
      throw new OAuthError({
        error: error.error,
        errorDescription: error.errorDescription ?? "the refresh token was rejected; log in again",
        errorUri: error.errorUri,
        status: error.status,
        context: "token refresh",
        cause: error,
      });
    }
    return undefined;
  }
}
