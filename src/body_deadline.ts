/**
 * {@linkcode onBodyEnd}: a response whose body is read under a deadline, for a `fetch` that does not
 * error the body itself when its signal aborts.
 *
 * @module
 */

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
