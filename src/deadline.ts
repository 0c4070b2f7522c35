/**
 * Deadlines for exchanges: one signal that fires when the time is up or the caller aborts, a timer
 * that is always cleared, and a way to keep the deadline running while a response body is read.
 *
 * @module
 */

import { schedule } from "./deadline_timer.ts";

/** A running deadline. */
export interface Deadline {
  /** Aborts with a {@linkcode TimeoutError} when the time is up, or with the caller's reason. */
  readonly signal: AbortSignal;
  /** Stops the timer; the caller's signal still aborts `signal` (a body being read). Idempotent. */
  clear(): void;
  /** Stops the timer and unlinks the caller's signal: the exchange is over. Idempotent. */
  end(): void;
}

/**
 * Starts a deadline of `ms` linked to the caller's signal. The link stays after `clear()`, so the
 * caller's abort still reaches a body being read (a listener on `caller`; for a request in the
 * pipeline that is the request's own signal, gone with the request); `end()` removes it.
 *
 * @param ms The limit, ms.
 * @param caller The caller's signal.
 * @param message The message of the {@linkcode TimeoutError}.
 * @returns The deadline; call `end()` when the exchange has ended, or `clear()` when only the timer
 *   must stop.
 */
export function startDeadline(
  ms: number,
  caller: AbortSignal | undefined,
  message: () => string,
): Deadline {
  const controller = new AbortController();
  // The shared clock, not a setTimeout of its own: see src/deadline_timer.ts.
  const cancel = schedule(ms, () => timedOut(controller, message()));
  // A plain listener: `addEventListener(..., { signal })` costs several µs per call on the hot path.
  const onAbort = () => controller.abort(caller!.reason);
  if (caller !== undefined) {
    if (caller.aborted) controller.abort(caller.reason);
    else caller.addEventListener("abort", onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    clear: cancel,
    end: () => {
      cancel();
      caller?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Aborts a deadline's controller with a `TimeoutError`. The error classes load with the first deadline
 * that fires (a call that ends in time never needs them); should that module fail to load (a browser
 * gone offline), a `DOMException` named `TimeoutError` still ends the wait.
 */
function timedOut(controller: AbortController, message: string): void {
  import("./lazy.ts").then(
    ({ TimeoutError }) => controller.abort(new TimeoutError(message)),
    () => controller.abort(new DOMException(message, "TimeoutError")),
  );
}

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

/**
 * `response` with a body that calls `done` once it has been read to the end, cancelled or has failed,
 * so a deadline can keep running while the body is read and be cleared right after. When `signal`
 * aborts first, the body errors with its reason (whatever the fetch underneath does with aborts).
 *
 * @param response The response.
 * @param signal The exchange's signal.
 * @param done Called once when the body is finished.
 * @returns A response with the same status, headers and URL.
 */
export function onBodyEnd(response: Response, signal: AbortSignal, done: () => void): Response {
  const body = response.body;
  if (body === null) {
    done();
    return response;
  }
  const reader = body.getReader();
  let finished = false;
  let abort: (() => void) | undefined;
  const finish = () => {
    if (finished) return;
    finished = true;
    if (abort !== undefined) signal.removeEventListener("abort", abort);
    done();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      abort = () => {
        finish();
        controller.error(signal.reason);
        reader.cancel(signal.reason).catch(() => {});
      };
      if (signal.aborted) abort();
      else signal.addEventListener("abort", abort, { once: true });
    },
    async pull(controller) {
      try {
        const { done: end, value } = await reader.read();
        if (finished) return; // aborted meanwhile: the stream has errored already
        if (end) {
          finish();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        if (finished) return;
        finish();
        controller.error(error);
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  const wrapped = new Response(stream, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // A constructed Response has no URL; keep the one of the answer (own properties shadow the getters).
  Object.defineProperties(wrapped, {
    url: { value: response.url },
    redirected: { value: response.redirected },
  });
  return wrapped;
}
