/**
 * {@linkcode timeout}: a per-attempt time limit.
 *
 * @module
 */

import { startDeadline } from "../deadline.ts";
import { onBodyEnd } from "../body_deadline.ts";
import { type Handler, type Next, safeUrl } from "../pipeline.ts";
import { derive } from "../replay.ts";

/**
 * Options of {@linkcode timeout}.
 *
 * @example
 * ```ts
 * import { createFetch, timeout, type TimeoutOptions } from "@authfetch/authfetch";
 * const options: TimeoutOptions = { body: true }; // headers and body within 10 s
 * const api = createFetch([timeout(10_000, options)]);
 * ```
 */
export interface TimeoutOptions {
  /**
   * Keep the limit running while the response body is read: the whole exchange, from sending the
   * request to the last byte of the body, must end within `ms`, and a body that stalls or trickles
   * errors with a `TimeoutError` when the time is up. The timer is cleared as soon as the body has
   * been read, cancelled or has failed. Without it the limit ends when the response headers arrive.
   * @default false
   */
  body?: boolean;
}

/**
 * A handler that limits each attempt to `ms` and rejects with a `TimeoutError` when the time is up.
 *
 * What it covers: by default, the time from sending the request until the response headers arrive
 * (connecting, sending the body, waiting for the server). With `{ body: true }` it also covers reading
 * the response body, so a server that sends its headers and then stalls, or trickles the body a byte at
 * a time, cannot hold the caller longer than `ms`: reading the body then fails with the `TimeoutError`.
 *
 * The caller's own `AbortSignal` keeps working at every point, reading the body included, with or
 * without `{ body: true }`. Put `timeout()` after `retry()` to limit each attempt (`retry` retries
 * timeouts of idempotent requests); a body-read timeout happens after `retry()` has returned the
 * response and is not retried. No timer outlives the attempt (or, with `{ body: true }`, the body).
 *
 * @param ms The limit per attempt, ms.
 * @param options Whether the limit also covers reading the body.
 * @returns The handler.
 * @throws {RangeError} When `ms` is not a positive finite number.
 * @example
 * ```ts
 * import { createFetch, retry, timeout } from "@authfetch/authfetch";
 * const api = createFetch([retry(), timeout(5_000)]); // each attempt's headers within 5 s
 * const strict = createFetch([timeout(10_000, { body: true })]); // headers and body within 10 s
 * ```
 */
export function timeout(ms: number, options: TimeoutOptions = {}): Handler {
  if (typeof ms !== "number" || !(ms > 0) || !Number.isFinite(ms)) {
    throw new RangeError(
      `Cannot create timeout(): ms must be a finite number > 0, current value is ${ms}`,
    );
  }
  const coverBody = options.body ?? false;
  return async function timeout(request: Request, next: Next): Promise<Response> {
    const caller = request.signal;
    caller.throwIfAborted();
    const deadline = startDeadline(
      ms,
      caller,
      () => `${request.method} ${safeUrl(request.url)} timed out after ${ms} ms`,
    );
    let response: Response;
    try {
      response = await next(derive(request, new Request(request, { signal: deadline.signal })));
    } catch (error) {
      deadline.end();
      if (deadline.signal.aborted && !caller.aborted) throw deadline.signal.reason;
      throw error;
    }
    if (!coverBody) {
      deadline.clear();
      return response;
    }
    return onBodyEnd(response, deadline.signal, deadline.end);
  };
}
