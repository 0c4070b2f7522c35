/**
 * {@linkcode retry}: retries with exponential backoff, full jitter and `Retry-After`.
 *
 * @module
 */

import { RETRY_POLICIES } from "../lane_handlers.ts";
import type { Handler, Next } from "../pipeline.ts";

/**
 * What {@linkcode RetryOptions.onRetry} is told before each wait.
 *
 * @example
 * ```ts
 * import { retry, type RetryEvent } from "@authfetch/authfetch";
 * const onRetry = (event: RetryEvent): void => {
 *   console.error(`retry ${event.attempt} of ${event.method} ${event.url} in ${event.delay} ms`);
 * };
 * const handler = retry({ onRetry });
 * ```
 */
export interface RetryEvent {
  /** The retry about to happen: 1 for the first retry. */
  attempt: number;
  /** How long the handler waits before it, ms. */
  delay: number;
  /** The request's method. */
  method: string;
  /** The request URL without query or fragment. */
  url: string;
  /** The status that caused the retry, when it was a response. */
  status?: number;
  /** The error that caused the retry, when it was a network error or timeout. */
  error?: unknown;
}

/**
 * Options of {@linkcode retry}.
 *
 * @example
 * ```ts
 * import { createFetch, retry, type RetryOptions } from "@authfetch/authfetch";
 * const options: RetryOptions = { retries: 3, methods: ["GET", "POST"], maxDelay: 5000 };
 * const api = createFetch([retry(options)]);
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt. @default 2 */
  retries?: number;
  /** Methods that are retried. Add `"POST"` for token endpoints and other idempotent POSTs. @default ["GET","HEAD","OPTIONS","PUT","DELETE"] */
  methods?: readonly string[];
  /** Response statuses that are retried. @default [408, 429, 500, 502, 503, 504] */
  statuses?: readonly number[];
  /** Backoff base, ms: retry n waits a random time in [0, min(maxDelay, baseDelay·2ⁿ⁻¹)]. @default 300 */
  baseDelay?: number;
  /** The longest backoff, ms. @default 10000 */
  maxDelay?: number;
  /**
   * The longest `Retry-After` honoured, ms. A server asking for a longer wait gets its response returned
   * to the caller instead of a retry. @default 60000
   */
  maxRetryAfter?: number;
  /** Retry network errors (`TypeError` from fetch) and per-attempt timeouts. @default true */
  retryNetworkErrors?: boolean;
  /** Called before each wait, for logging or progress. @default undefined */
  onRetry?: (event: RetryEvent) => void;
  /** Random numbers in [0, 1), for the jitter. @default Math.random */
  random?: () => number;
  /** The clock, epoch ms, for `Retry-After` dates. @default Date.now */
  now?: () => number;
}

const DEFAULT_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"];
const DEFAULT_STATUSES = [408, 429, 500, 502, 503, 504];
// Shared by every retry() left at its defaults (never written to): a handler holds no Sets of its own.
const DEFAULT_METHOD_SET: ReadonlySet<string> = new Set(DEFAULT_METHODS);
const DEFAULT_STATUS_SET: ReadonlySet<number> = new Set(DEFAULT_STATUSES);

/**
 * A handler that retries failed attempts: by default twice, for `GET HEAD OPTIONS PUT DELETE`, on
 * 408 429 500 502 503 504 and on network errors, with exponential backoff and full jitter. `Retry-After`
 * (seconds or HTTP date) is honoured up to `maxRetryAfter`. Waiting stops at once when the request's
 * `AbortSignal` fires, and nothing is retried after it.
 *
 * Request bodies are replayed from their source (`replay()`), byte for byte and with the same
 * `Content-Length` as the first attempt. A `ReadableStream` body is sent once and never buffered, so a
 * request with one is not retried: its first response (or error) is returned.
 *
 * The handler holds no state of its own: every `retry()` left at its defaults returns the same one.
 *
 * @param options The policy.
 * @returns The handler.
 * @throws {RangeError} When an option is out of range.
 * @example
 * ```ts
 * import { createFetch, retry } from "@authfetch/authfetch";
 * const api = createFetch([
 *   retry({ retries: 3, onRetry: (e) => console.error(`retry ${e.attempt} in ${e.delay} ms`) }),
 * ]);
 * ```
 */
export function retry(options?: RetryOptions): Handler {
  if (options === undefined || isDefault(options)) return defaultRetry ??= retryHandler(DEFAULTS);
  return retryHandler(policyOf(options));
}

/** A retry policy, options resolved and checked. */
export interface Policy {
  retries: number;
  baseDelay: number;
  maxDelay: number;
  maxRetryAfter: number;
  methods: ReadonlySet<string>;
  statuses: ReadonlySet<number>;
  retryNetworkErrors: boolean;
  random: () => number;
  now: () => number;
  onRetry?: (event: RetryEvent) => void;
}

/**
 * The defaults' policy. Its clock and random numbers are looked up on each use, so a `Date.now` or
 * `Math.random` replaced later (a fake clock in a test) is used, as one replaced before `retry()`
 * would have been.
 */
const DEFAULTS: Policy = {
  retries: 2,
  baseDelay: 300,
  maxDelay: 10_000,
  maxRetryAfter: 60_000,
  methods: DEFAULT_METHOD_SET,
  statuses: DEFAULT_STATUS_SET,
  retryNetworkErrors: true,
  random: () => Math.random(),
  now: () => Date.now(),
  onRetry: undefined,
};

/** The handler of every `retry()` left at its defaults: it holds no state, so one serves them all. */
let defaultRetry: Handler | undefined;

function isDefault(options: RetryOptions): boolean {
  // Any property set, known or not, takes policyOf(), which gives the same policy for names it does
  // not know: only the handler is not the shared one.
  for (const name in options) {
    if (options[name as keyof RetryOptions] !== undefined) return false;
  }
  return true;
}

function policyOf(options: RetryOptions): Policy {
  const retries = options.retries ?? 2;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(
      `Cannot create retry(): retries must be an integer ≥ 0, current value is ${retries}`,
    );
  }
  const baseDelay = check("baseDelay", options.baseDelay ?? 300);
  const maxDelay = check("maxDelay", options.maxDelay ?? 10_000);
  const maxRetryAfter = check("maxRetryAfter", options.maxRetryAfter ?? 60_000);
  const methods = options.methods === undefined
    ? DEFAULT_METHOD_SET
    : new Set(options.methods.map((m) => m.toUpperCase()));
  const statuses = options.statuses === undefined ? DEFAULT_STATUS_SET : new Set(options.statuses);
  for (const status of statuses) {
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new RangeError(
        `Cannot create retry(): statuses must be HTTP statuses, current value has ${status}`,
      );
    }
  }
  return {
    retries,
    baseDelay,
    maxDelay,
    maxRetryAfter,
    methods,
    statuses,
    retryNetworkErrors: options.retryNetworkErrors ?? true,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    onRetry: options.onRetry,
  };
}

function retryHandler(policy: Policy): Handler {
  // The first attempt; what follows a failed one (backoff, Retry-After, replaying the body) is in
  // retry_loop.ts, loaded with the first attempt that fails.
  const handler = async function retry(request: Request, next: Next): Promise<Response> {
    if (!retriesMethod(policy, request.method)) return next(request);
    let response: Response;
    try {
      response = await next(request);
    } catch (error) {
      if (!retriesFailure(policy, error, request.signal)) throw error;
      return (await import("../lazy.ts")).retryFrom(policy, request, next, undefined, error);
    }
    if (!retriesAnswer(policy, response, request.signal)) return response;
    return (await import("../lazy.ts")).retryFrom(policy, request, next, response, undefined);
  };
  // createFetch()'s direct lane (direct_lane.ts) runs the same policy.
  RETRY_POLICIES.set(handler, policy);
  return handler;
}

/**
 * Whether `policy` retries a request with this method at all (the handler passes others on untouched).
 *
 * @param policy The policy.
 * @param method The request's method, upper case.
 * @returns Whether a failed attempt may be retried.
 */
export function retriesMethod(policy: Policy, method: string): boolean {
  return policy.retries !== 0 && policy.methods.has(method);
}

/**
 * Whether an attempt's answer is worth another attempt under `policy`: a retryable status, and the
 * caller has not aborted. (Whether one is left is the caller's to know.)
 */
export function retriesAnswer(
  policy: Policy,
  response: Response,
  signal: AbortSignal | undefined,
): boolean {
  return policy.statuses.has(response.status) && signal?.aborted !== true;
}

/**
 * Whether what an attempt threw is worth another attempt under `policy`: a network error, network
 * errors are retried, and the caller has not aborted.
 */
export function retriesFailure(
  policy: Policy,
  error: unknown,
  signal: AbortSignal | undefined,
): boolean {
  return signal?.aborted !== true && policy.retryNetworkErrors && isNetworkError(error);
}

/** A failure worth another attempt: the platform's `TypeError`, a timeout, a dropped connection. */
function isNetworkError(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  return error instanceof Error &&
    (error.name === "TimeoutError" || error.name === "ConnectionError");
}

function check(name: string, value: number): number {
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(
      `Cannot create retry(): ${name} must be a finite number ≥ 0, current value is ${value}`,
    );
  }
  return value;
}
