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
