/**
 * {@linkcode timeout}: a per-attempt time limit.
 *
 * @module
 */

import { TimeoutError } from "../errors.ts";
import { derive, type Handler, type Next, safeUrl } from "../pipeline.ts";

/**
 * A handler that aborts an attempt whose response headers have not arrived within `ms` and rejects with
 * a {@linkcode TimeoutError}. Put it after `retry()` to limit each attempt (`retry` retries timeouts of
 * idempotent requests); the caller's own signal still aborts at once.
 *
 * @param ms The limit per attempt, ms.
 * @returns The handler.
 * @throws {RangeError} When `ms` is not a positive finite number.
 * @example
 * ```ts
 * import { createFetch, retry, timeout } from "@authfetch/authfetch";
 * const api = createFetch([retry(), timeout(5_000)]);
 * ```
 */
export function timeout(ms: number): Handler {
  if (typeof ms !== "number" || !(ms > 0) || !Number.isFinite(ms)) {
    throw new RangeError(
      `Cannot create timeout(): ms must be a finite number > 0, current value is ${ms}`,
    );
  }
  return async function timeout(request: Request, next: Next): Promise<Response> {
    const controller = new AbortController();
    const caller = request.signal;
    const onAbort = () => controller.abort(caller.reason);
    if (caller.aborted) throw caller.reason;
    caller.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(
      () =>
        controller.abort(
          new TimeoutError(`${request.method} ${safeUrl(request.url)} timed out after ${ms} ms`),
        ),
      ms,
    );
    try {
      return await next(derive(request, new Request(request, { signal: controller.signal })));
    } catch (error) {
      if (controller.signal.aborted && !caller.aborted) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      caller.removeEventListener("abort", onAbort);
    }
  };
}
