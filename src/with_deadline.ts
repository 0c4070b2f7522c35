/**
 * {@linkcode withDeadline}: one exchange (a request and the reading of its answer) under a deadline,
 * for discovery, metadata and JSON login.
 *
 * @module
 */

import { startDeadline } from "./deadline.ts";

/**
 * Runs `exchange` (a request and the reading of its answer) under a deadline of `ms` that also
 * covers the body read, aborted at once by `signal`. The timer is cleared however it ends.
 *
 * @param ms The limit, ms.
 * @param signal The caller's signal.
 * @param what What is exchanged, for the message (`"discovery of https://as.example"`).
 * @param exchange The exchange, given the signal to pass to `fetch`.
 * @returns What `exchange` returns.
 * @throws {TimeoutError} When the time is up, whatever part of the exchange was running.
 */
export async function withDeadline<T>(
  ms: number,
  signal: AbortSignal | undefined,
  what: string,
  exchange: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  const deadline = startDeadline(ms, signal, () => `${what} timed out after ${ms} ms`);
  try {
    return await exchange(deadline.signal);
  } catch (error) {
    throw deadline.signal.aborted ? deadline.signal.reason : error;
  } finally {
    deadline.end();
  }
}
