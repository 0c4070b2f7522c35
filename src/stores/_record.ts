/**
 * The versioned record shared stores keep per key: `{ "authfetch": 1, "version": n, "token": {...} }`.
 *
 * @module
 */

import { AuthFetchError } from "../errors.ts";
import type { Token } from "../tokens/token.ts";

/** The format marker and its current value. */
export const FORMAT = 1;

/** A stored token with the key's version. */
export interface TokenRecord {
  /** Always {@linkcode FORMAT}. */
  authfetch: typeof FORMAT;
  /** Raised by every write of the key; fenced writes compare it. */
  version: number;
  /** The token. */
  token: Token;
}

/**
 * Builds the record for a write.
 *
 * @param version The new version.
 * @param token The token.
 * @returns The record.
 */
export function toRecord(version: number, token: Token): TokenRecord {
  return { authfetch: FORMAT, version, token };
}

/**
 * Checks a stored value is a record of this library, or throws a `store_error` naming `where`.
 *
 * @param value The parsed value.
 * @param where The file, key or entry it came from, for the message.
 * @returns The record.
 * @throws {AuthFetchError} `store_error` when the value is corrupt or of a foreign format.
 */
export function parseRecord(value: unknown, where: string): TokenRecord {
  const record = value as Partial<TokenRecord> | null;
  const token = record?.token as Partial<Token> | undefined;
  const ok = record !== null && typeof record === "object" && record.authfetch === FORMAT &&
    Number.isSafeInteger(record.version) && record.version! >= 0 &&
    token !== null && typeof token === "object" && typeof token.accessToken === "string" &&
    typeof token.tokenType === "string" &&
    (token.expiresAt === undefined || typeof token.expiresAt === "number") &&
    (token.issuedAt === undefined || typeof token.issuedAt === "number") &&
    (token.refreshToken === undefined || typeof token.refreshToken === "string");
  if (!ok) {
    throw new AuthFetchError(
      "store_error",
      `${where} is not an authfetch token record (corrupt or written by something else); ` +
        `expected {"authfetch": ${FORMAT}, "version": n, "token": {...}}. ` +
        "Move it away or delete it to start afresh",
    );
  }
  return record as TokenRecord;
}

/**
 * How long a token is worth keeping, ms from `now`: its expiry plus `margin`, or `undefined` (keep
 * for good) when it has a refresh token, which usually outlives the access token, or no expiry.
 *
 * @param token The token.
 * @param margin Extra time after expiry.
 * @param now The time, epoch ms.
 * @returns The time to live, at least 1 ms, or `undefined`.
 */
export function keepFor(token: Token, margin: number, now: number): number | undefined {
  if (token.refreshToken !== undefined || token.expiresAt === undefined) return undefined;
  return Math.max(1, token.expiresAt + margin - now);
}
