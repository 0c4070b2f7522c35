/**
 * The per-attempt deadline of requests to authorization server endpoints: a timeout that needs no
 * timer of its own to cancel.
 *
 * @module
 */

import { TimeoutError } from "../errors.ts";
import { derive, type Handler, safeUrl } from "../pipeline.ts";
import { timeout } from "../handlers/timeout.ts";

/**
 * A handler that aborts an attempt still running (headers or body) after `ms`, with a
 * {@linkcode TimeoutError}. It uses `AbortSignal.timeout`, whose timer does not keep a process alive
 * and is never cancelled: a timer set with `setTimeout` only to be cleared costs Deno a one-time
 * ~8 ms on a process's first call (it loads its Node-compatible timers) and would be paid by every
 * cold start for a deadline that almost never fires. Token, revocation and introspection requests
 * are rare, so the armed signal each leaves behind until `ms` passes costs nothing that matters;
 * `timeout()` stays the handler for the per-request hot path. Where `AbortSignal.any` is missing, it
 * is `timeout(ms)`.
 *
 * @param ms The deadline, ms (> 0).
 * @returns The handler.
 * @throws {RangeError} When `ms` is not a finite number > 0.
 */
export function endpointDeadline(ms: number): Handler {
  if (typeof AbortSignal.any !== "function" || typeof AbortSignal.timeout !== "function") {
    return timeout(ms);
  }
  if (typeof ms !== "number" || !(ms > 0) || !Number.isFinite(ms)) {
    throw new RangeError(
      `Cannot time out endpoint requests: ms must be > 0, current value is ${ms}`,
    );
  }
  return async function endpointDeadline(request, next) {
    const caller = request.signal;
    if (caller.aborted) throw caller.reason;
    const expired = AbortSignal.timeout(ms);
    const signal = AbortSignal.any([caller, expired]);
    try {
      return await next(derive(request, new Request(request, { signal })));
    } catch (error) {
      if (expired.aborted && !caller.aborted) {
        throw new TimeoutError(
          `${request.method} ${safeUrl(request.url)} timed out after ${ms} ms`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  };
}
