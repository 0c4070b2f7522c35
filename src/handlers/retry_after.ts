/**
 * {@linkcode parseRetryAfter}: the delay a `Retry-After` header asks for.
 *
 * @module
 */

/**
 * Parses a `Retry-After` header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 *
 * @param value The header value.
 * @param now The current time, epoch ms.
 * @returns The wait in ms (0 for a date in the past), or `undefined` when the header is absent or malformed.
 * @example
 * ```ts
 * import { parseRetryAfter } from "@authfetch/authfetch";
 * parseRetryAfter("3", Date.now()); // 3000
 * parseRetryAfter("soon", Date.now()); // undefined
 * ```
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) {
    // Obsolete date forms are still accepted by Date.parse; anything it rejects is ignored.
    if (!/[A-Za-z]{3}/.test(text) || !/\d{2}:\d{2}:\d{2}/.test(text)) return undefined;
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
