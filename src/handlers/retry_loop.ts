/**
 * What `retry()` does after an attempt fails: wait (full-jitter backoff, or the server's
 * `Retry-After`), replay the request, body included, and try again, up to the policy's retries. Loaded
 * with the first attempt that fails; the first attempt itself is in `retry.ts`.
 *
 * @module
 */

import { type Next, safeUrl } from "../pipeline.ts";
import { replay } from "../replay.ts";
import { sleep } from "../sleep.ts";
import { type Policy, retriesAnswer, retriesFailure, type RetryEvent } from "./retry.ts";
import { parseRetryAfter } from "./retry_after.ts";

/**
 * Retries `request` after its first attempt failed, with a retryable status (`response`) or a
 * network error (`error`), which `retry()` has checked already.
 *
 * @param policy The retry policy.
 * @param request The request as the first attempt sent it.
 * @param next The rest of the pipeline.
 * @param response The first attempt's answer, when it had one.
 * @param error What the first attempt threw, when it had no answer.
 * @returns The answer of the last attempt.
 */
export async function retryFrom(
  policy: Policy,
  request: Request,
  next: Next,
  response: Response | undefined,
  error: unknown,
): Promise<Response> {
  const retries = policy.retries;
  const signal = request.signal;
  let current = request;
  for (let attempt = 1;; attempt++) {
    // The outcome of `attempt`, one that may be retried.
    let delay: number;
    let event: RetryEvent;
    let again: Request | undefined;
    if (response !== undefined) {
      const backoff = jitter(policy, attempt);
      const asked = parseRetryAfter(response.headers.get("retry-after"), policy.now());
      if (asked !== undefined && asked > policy.maxRetryAfter) return response;
      // A body that cannot be sent again (a stream) is not retried: the answer goes back as it is.
      again = replay(current);
      if (again === undefined) return response;
      delay = asked ?? backoff;
      event = {
        attempt,
        delay,
        method: request.method,
        url: safeUrl(request.url),
        status: response.status,
      };
      await response.body?.cancel();
    } else {
      again = replay(current);
      if (again === undefined) throw error;
      delay = jitter(policy, attempt);
      event = { attempt, delay, method: request.method, url: safeUrl(request.url), error };
    }
    policy.onRetry?.(event);
    await sleep(delay, signal);
    current = again;
    const last = attempt + 1 > retries;
    try {
      response = await next(current);
      if (last || !retriesAnswer(policy, response, signal)) return response;
    } catch (thrown) {
      if (last || !retriesFailure(policy, thrown, signal)) throw thrown;
      response = undefined;
      error = thrown;
    }
  }
}

/** Full jitter: a random delay below the attempt's exponential backoff, capped at `maxDelay`. */
function jitter(policy: Policy, attempt: number): number {
  return Math.floor(
    policy.random() * Math.min(policy.maxDelay, policy.baseDelay * 2 ** (attempt - 1)),
  );
}
