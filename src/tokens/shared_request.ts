/**
 * One token request shared by every caller that waits for it (single-flight), aborted when the last
 * of them gives up.
 *
 * @module
 */

/**
 * A request that any number of callers wait for. Each caller's `AbortSignal` releases only that caller
 * at once; when every caller that can give up has given up, the request itself is aborted through the
 * signal it was started with, so its connection and timers go too and nothing keeps the process alive.
 * A caller without a signal, or a background refresh ({@linkcode SharedRequest.join} without a signal),
 * keeps the request going until it ends.
 */
export class SharedRequest<T> {
  readonly #controller = new AbortController();
  readonly #promise: Promise<T>;
  #waiters = 0;
  #pinned = false;
  #settled = false;

  /**
   * Starts the request.
   *
   * @param run The request, given the signal that aborts it when nobody waits any more.
   */
  constructor(run: (signal: AbortSignal) => Promise<T>) {
    this.#promise = run(this.#controller.signal);
    const settle = () => {
      this.#settled = true;
    };
    // Handled here too: an abandoned request rejects with nobody left to see it.
    this.#promise.then(settle, settle);
  }

  /** `true` once the request was aborted because nobody waits for it: it must not be joined. */
  get abandoned(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Settles with the request (for bookkeeping; does not count as a waiter). */
  get settled(): Promise<unknown> {
    return this.#promise.then(() => {}, () => {});
  }

  /**
   * Waits for the request's result unless `signal` fires first.
   *
   * @param signal The caller's signal; without one the caller waits until the request ends.
   * @returns The result.
   */
  join(signal?: AbortSignal): Promise<T> {
    if (signal === undefined) {
      this.#pinned = true;
      return this.#promise;
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    this.#waiters++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.#leave();
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#promise.then(resolve, reject).finally(() => {
        signal.removeEventListener("abort", onAbort);
        if (!signal.aborted) this.#waiters--;
      });
    });
  }

  #leave(): void {
    this.#waiters--;
    if (this.#waiters === 0 && !this.#pinned && !this.#settled) {
      this.#controller.abort(
        new DOMException("every caller waiting for this token request gave up", "AbortError"),
      );
    }
  }
}
