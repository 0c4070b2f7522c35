/**
 * The direct lane of `createFetch()`: a call through one of the pipelines most clients are, `[]`,
 * `[auth(tokens)]` or `[retry(), auth(tokens)]` (`auth()` at its defaults, `retry()` with any policy,
 * ending with the global `fetch`), is sent as one `fetch(url, init)`, the way a plain `fetch` call is,
 * when its request needs nothing a `Request` of the pipeline's would carry: an absolute `http(s)` URL,
 * `GET` or `HEAD`, and at most a `headers` record and a `signal`.
 *
 * A pipeline that hands its handlers a `Request` pays for two on every call: its own, and the one
 * `fetch(request)` builds from it (Fetch standard, `fetch()` step 2, which copies the headers and makes
 * a dependent signal). That is 7 % of a plain call's CPU instructions before any handler runs
 * (`bench/call_instructions.ts`). The handlers the lane stands in for only read the URL and set one
 * header, so the lane does that itself and sends with `redirect: "manual"`, as the pipeline would.
 *
 * Whatever needs more is the handlers' own code, given the `Request` the pipeline would have had at that
 * point (`pipelineRequest()` plus the `Authorization` header `auth()` set): a 401 (refresh and replay),
 * a retryable status or network error (`retryFrom()`), a redirect (`followRedirects()`, every hop
 * through the handlers), a failed send (its error cleaned as the platform end cleans it). A call the
 * lane does not take, or a token it cannot send (DPoP-bound, unfit for a header, a source that signs in
 * from challenges), goes through the pipeline from the start. `tests/direct_lane_test.ts` checks on the
 * wire that both ways send the same bytes and give the same outcomes.
 *
 * @module
 */

import type { Handler } from "./pipeline.ts";
import type { Pipeline } from "./pipeline_run.ts";
import type { LaneStep } from "./direct_lane_steps.ts";
import type { Policy } from "./handlers/retry.ts";
import type { TokenSource } from "./tokens/source.ts";
import type { Token } from "./tokens/token.ts";

/**
 * What the lane calls of the rest of the library, handed over by `pipeline.ts` when it loads the lane:
 * a chunk of its own that imports nothing adds no split to the first download of the modules it
 * would share with it.
 */
export interface LaneKit {
  /** `auth()`'s default origin decision (`allowedByDefault()`). */
  allowed: (url: string) => boolean;
  /** Whether a source signs in from challenges (`isChallengeTokenSource()`). */
  challenge: (tokens: TokenSource) => boolean;
  /** A token's `Authorization` value (`headerValue()`). */
  headerValue: (token: Token) => string | undefined;
  /** The statuses of a redirect `createFetch()` follows. */
  redirect: ReadonlySet<number>;
  /** The token source of each `auth()` at its defaults (`lane_handlers.ts`). */
  authTokens: WeakMap<Handler, TokenSource>;
  /** The policy of each `retry()`. */
  retryPolicies: WeakMap<Handler, Policy>;
  /** Sends a call through a pipeline's handlers from the start (`createFetch()`'s own way). */
  viaPipeline: ViaPipeline;
}

let kit: LaneKit;

/**
 * Gives the lane what it calls; `pipeline.ts` does so once, as the lane loads.
 *
 * @param given The library's functions.
 */
export function equip(given: LaneKit): void {
  kit = given;
}

/**
 * Looks at a pipeline's handlers once: the lane takes its calls when they are ones it can stand in
 * for (none, an `auth()` at its defaults, or a `retry()` and such an `auth()`), and the pipeline
 * keeps what the lane needs of them (`tokens`, `policy`) and the answer (`laned`).
 *
 * @param pipeline A pipeline of at most two handlers that ends with the global `fetch`.
 * @returns Whether the lane takes its calls.
 */
export function findLane(pipeline: Pipeline): boolean {
  const { head, second } = pipeline;
  const auth = second ?? head;
  const tokens = auth === undefined ? undefined : kit.authTokens.get(auth);
  const policy = second === undefined ? undefined : kit.retryPolicies.get(head!);
  pipeline.tokens = tokens;
  pipeline.policy = policy;
  return pipeline.laned = (auth === undefined || tokens !== undefined) &&
    (second === undefined || policy !== undefined);
}

/** What a call the lane takes sends, read from `fetch(input, init)`'s arguments. */
export interface Call {
  url: string;
  method: "GET" | "HEAD" | undefined;
  headers: Record<string, string> | undefined;
  signal: AbortSignal | undefined;
}

/**
 * Reads a call the lane can send: the URL as given (a string that starts with `http://` or
 * `https://`, or a `URL`) and an `init` with nothing but `method` (`GET`, `HEAD`), `headers` (a plain
 * record of valid names and values; without `Authorization` when the pipeline has an `auth()`, which
 * replaces it) and `signal`.
 *
 * @param target What the pipeline would build its request from.
 * @param init The caller's init.
 * @param authorizes Whether the pipeline has an `auth()`.
 * @returns The call, or `undefined` for a call the pipeline takes.
 */
export function laneCall(
  target: RequestInfo | URL,
  init: RequestInit | undefined,
  authorizes = true,
): Call | undefined {
  const url = typeof target === "string" ? target : target instanceof URL ? target.href : undefined;
  if (url === undefined || (!url.startsWith("https://") && !url.startsWith("http://"))) {
    return undefined;
  }
  if (init === undefined) return { url, method: undefined, headers: undefined, signal: undefined };
  let method: "GET" | "HEAD" | undefined;
  let headers: Record<string, string> | undefined;
  let signal: AbortSignal | undefined;
  for (const key in init) {
    const value = init[key as keyof RequestInit];
    if (value === undefined) continue;
    if (key === "method") {
      if (value !== "GET" && value !== "HEAD") return undefined;
      method = value;
    } else if (key === "headers") {
      if (!isPlainHeaders(value, authorizes)) return undefined;
      headers = value;
    } else if (key === "signal") {
      if (value === null) continue;
      if (!(value instanceof AbortSignal)) return undefined;
      signal = value;
    } else return undefined;
  }
  return { url, method, headers, signal };
}

/** A header name (an RFC 9110 `token`). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~\w-]+$/;
/**
 * A header value `fetch` sends as it is: tab, visible ASCII and Latin-1; no NUL, CR, LF or other
 * control character, no code point above U+00FF (a `ByteString`).
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * A plain object of header names and values that `fetch` takes as they are (so a bad one fails in the
 * pipeline, before any token is asked for), with no `Authorization` of its own for `auth()` to replace.
 */
function isPlainHeaders(value: unknown, authorizes: boolean): value is Record<string, string> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const name in value) {
    const text = (value as Record<string, unknown>)[name];
    if (typeof text !== "string" || !HEADER_NAME.test(name) || !HEADER_VALUE.test(text)) {
      return false;
    }
    if (authorizes && name.length === 13 && name.toLowerCase() === "authorization") return false;
  }
  return true;
}

/** Sends a call through a pipeline's handlers from the start (`createFetch()`'s own way). */
export type ViaPipeline = (
  target: RequestInfo | URL,
  init: RequestInit | undefined,
  pipeline: Pipeline,
) => Promise<Response>;

/**
 * Sends a call by the lane: `auth()`'s origin decision and token, one `fetch(url, init)`, and, when its
 * answer or failure needs them, `auth()`'s, `retry()`'s and `createFetch()`'s own steps
 * (`laneAnswered()`, `laneFailed()` in `direct_lane_steps.ts`, loaded with the first call that needs
 * them).
 *
 * @param pipeline The pipeline, its lane found ({@linkcode findLane}).
 * @param call The call, from {@linkcode laneCall}.
 * @param target What the pipeline builds its request from.
 * @param init The caller's init.
 * @returns The response, as the pipeline would have answered.
 */
export async function sendByLane(
  pipeline: Pipeline,
  call: Call,
  target: string | URL,
  init: RequestInit | undefined,
): Promise<Response> {
  const tokens = pipeline.tokens;
  const signal = call.signal;
  let header: string | undefined;
  let sentToken: string | undefined;
  if (tokens !== undefined && kit.allowed(call.url)) {
    if (kit.challenge(tokens)) return kit.viaPipeline(target, init, pipeline);
    const token = await tokens.getToken({ signal });
    header = kit.headerValue(token);
    if (header === undefined || token.dpopJkt !== undefined) {
      return kit.viaPipeline(target, init, pipeline);
    }
    sentToken = token.accessToken;
  }
  const sendInit: RequestInit = {
    headers: header === undefined
      ? call.headers
      : call.headers === undefined
      ? { authorization: header }
      : { ...call.headers, authorization: header },
    redirect: "manual",
  };
  if (call.method !== undefined) sendInit.method = call.method;
  if (signal !== undefined) sendInit.signal = signal;
  let response: Response;
  try {
    response = await globalThis.fetch(call.url, sendInit);
  } catch (error) {
    const step: LaneStep = { pipeline, call, target, init, header };
    return (await import("./lazy.ts")).laneFailed(step, error);
  }
  const status = response.status;
  if (
    (sentToken !== undefined && status === 401) || kit.redirect.has(status) ||
    (pipeline.policy !== undefined && pipeline.policy.statuses.has(status))
  ) {
    const step: LaneStep = { pipeline, call, target, init, header };
    return (await import("./lazy.ts")).laneAnswered(step, response, sentToken);
  }
  return response;
}
