/**
 * The per-attempt deadline of requests to authorization server endpoints, on the shared deadline
 * clock of `src/deadline_timer.ts` rather than a `setTimeout` of its own (see there why).
 *
 * @module
 */

import { startDeadline } from "../deadline_timer.ts";
import { derive, type Handler, safeUrl } from "../pipeline.ts";

/**
 * A handler that aborts an attempt whose response headers have not arrived within `ms`, with a
 * `TimeoutError`; the caller's own signal still aborts at once.
 *
 * @param ms The deadline, ms (> 0).
 * @returns The handler.
 * @throws {RangeError} When `ms` is not a finite number > 0.
 */
export function endpointDeadline(ms: number): Handler {
  if (typeof ms !== "number" || !(ms > 0) || !Number.isFinite(ms)) {
    throw new RangeError(
      `Cannot time out endpoint requests: ms must be > 0, current value is ${ms}`,
    );
  }
  return async function endpointDeadline(request, next) {
    const caller = request.signal;
    caller.throwIfAborted();
    const deadline = startDeadline(
      ms,
      caller,
      () => `${request.method} ${safeUrl(request.url)} timed out after ${ms} ms`,
    );
    try {
      return await next(derive(request, new Request(request, { signal: deadline.signal })));
    } catch (error) {
      if (deadline.signal.aborted && !caller.aborted) throw deadline.signal.reason;
      throw error;
    } finally {
      deadline.clear();
    }
  };
}
