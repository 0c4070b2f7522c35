/**
 * Shared helpers for the reliability scenarios: outcome classification, a concurrency-limited runner with
 * a hard per-request deadline, and an unhandled-rejection recorder.
 *
 * @module
 */

import { AuthFetchError, type Grant, type RetryEvent } from "../../mod.ts";

/** How one request ended. */
export type Outcome =
  | { kind: "response"; status: number; body?: string; ms: number }
  | { kind: "error"; error: unknown; ms: number }
  | { kind: "hung"; ms: number };

/** The documented ways a call may fail: a library error, a network TypeError, a TimeoutError. */
export function isDocumentedError(error: unknown): boolean {
  if (error instanceof AuthFetchError) return true;
  // fetch's network errors
  if (error instanceof TypeError) return true;
  return false;
}

/** A name for an outcome, for tallies. */
export function outcomeName(outcome: Outcome): string {
  if (outcome.kind === "response") return `HTTP ${outcome.status}`;
  if (outcome.kind === "hung") return "hung";
  const e = outcome.error as Error;
  return e?.name === "AuthFetchError" ? `AuthFetchError:${(e as AuthFetchError).code}` : e?.name;
}

/**
 * Runs `count` calls with at most `concurrency` at once; each is given a caller signal that fires at
 * `deadline` ms, and a call still pending then is recorded as hung.
 */
export async function runBounded(
  count: number,
  concurrency: number,
  deadline: number,
  call: (i: number, signal: AbortSignal) => Promise<Response>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(count);
  let nextIndex = 0;
  async function worker(): Promise<void> {
    for (;;) {
      const i = nextIndex++;
      if (i >= count) return;
      const controller = new AbortController();
      let hung = false;
      const timer = setTimeout(() => {
        hung = true;
        controller.abort(new Error("deadline"));
      }, deadline);
      const start = performance.now();
      try {
        const response = await call(i, controller.signal);
        let body: string | undefined;
        try {
          body = await response.text();
        } catch (error) {
          outcomes[i] = hung
            ? { kind: "hung", ms: performance.now() - start }
            : { kind: "error", error, ms: performance.now() - start };
          continue;
        }
        outcomes[i] = {
          kind: "response",
          status: response.status,
          body,
          ms: performance.now() - start,
        };
      } catch (error) {
        outcomes[i] = hung
          ? { kind: "hung", ms: performance.now() - start }
          : { kind: "error", error, ms: performance.now() - start };
      } finally {
        clearTimeout(timer);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** Tallies outcomes by name. */
export function tally(outcomes: Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[outcomeName(o)] = (out[outcomeName(o)] ?? 0) + 1;
  return out;
}

/** Records unhandled rejections while a scenario runs. */
export function watchUnhandled(): { rejections: unknown[]; stop(): void } {
  const rejections: unknown[] = [];
  const listener = (event: PromiseRejectionEvent) => {
    rejections.push(event.reason);
    event.preventDefault();
  };
  globalThis.addEventListener("unhandledrejection", listener);
  return {
    rejections,
    stop() {
      globalThis.removeEventListener("unhandledrejection", listener);
    },
  };
}

/** Wraps a grant to count calls of `token()` and `refresh()` and their outcomes. */
export function countingGrant(
  grant: Grant,
): Grant & { calls: { token: number; refresh: number; failed: number } } {
  const calls = { token: 0, refresh: 0, failed: 0 };
  const wrapped: Grant & { calls: typeof calls } = {
    key: grant.key,
    interactive: grant.interactive,
    calls,
    async token(options) {
      calls.token++;
      try {
        return await grant.token(options);
      } catch (error) {
        calls.failed++;
        throw error;
      }
    },
  };
  if (grant.refresh) {
    const refresh = grant.refresh.bind(grant);
    wrapped.refresh = async (token, options) => {
      calls.refresh++;
      try {
        return await refresh(token, options);
      } catch (error) {
        calls.failed++;
        throw error;
      }
    };
  }
  return wrapped;
}

/**
 * Checks every retry event's delay against the policy: with `random` constant `r`, a backoff delay is
 * exactly `floor(r · min(maxDelay, baseDelay · 2^(attempt-1)))`; a status that came with `Retry-After`
 * waits what the header asked (`retryAfter(event)` lists the values possible for that event).
 */
export function checkDelays(
  events: RetryEvent[],
  policy: { baseDelay: number; maxDelay: number; r: number },
  retryAfter: (event: RetryEvent) => number[] = () => [],
): string[] {
  const problems: string[] = [];
  for (const event of events) {
    const cap = Math.min(policy.maxDelay, policy.baseDelay * 2 ** (event.attempt - 1));
    const allowed = [Math.floor(policy.r * cap), ...retryAfter(event)];
    if (!allowed.includes(event.delay)) {
      problems.push(
        `attempt ${event.attempt} (${
          event.status ?? (event.error as Error)?.name
        }): delay ${event.delay}, allowed ${allowed}`,
      );
    }
  }
  return problems;
}
