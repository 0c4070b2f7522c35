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

import { allowedByDefault } from "./handlers/auth.ts";
import { isChallengeTokenSource } from "./handlers/challenge_source.ts";
import { type Policy, retriesAnswer, retriesFailure, retriesMethod } from "./handlers/retry.ts";
import { AUTH_TOKENS, RETRY_POLICIES } from "./lane_handlers.ts";
import type { Handler, Next } from "./pipeline.ts";
import { runPipeline } from "./pipeline_run.ts";
import { pipelineRequest, REDIRECT } from "./request_source.ts";
import { tokenNow, type TokenSource } from "./tokens/source.ts";
import { headerValue } from "./tokens/token_read.ts";

/** What a pipeline's direct lane needs, found once by {@linkcode directLane}. */
export interface Lane {
  /** The token source of the pipeline's `auth()`, when it has one. */
  tokens: TokenSource | undefined;
  /** The policy of the pipeline's `retry()`, when it has one. */
  policy: Policy | undefined;
}

/** The lane of a pipeline without handlers. */
const BARE: Lane = { tokens: undefined, policy: undefined };

/**
 * The direct lane of a pipeline, when its handlers are ones the lane can stand in for.
 *
 * @param handlers The pipeline's handlers, outermost first.
 * @returns The lane, or `undefined` when every call goes through the handlers.
 */
export function directLane(handlers: readonly Handler[]): Lane | undefined {
  if (handlers.length === 0) return BARE;
  const tokens = AUTH_TOKENS.get(handlers[handlers.length - 1]);
  if (tokens === undefined) return undefined;
  if (handlers.length === 1) return { tokens, policy: undefined };
  const policy = handlers.length === 2 ? RETRY_POLICIES.get(handlers[0]) : undefined;
  return policy === undefined ? undefined : { tokens, policy };
}

/** What a call the lane takes sends, read from `fetch(input, init)`'s arguments. */
interface Call {
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
  let url: string;
  if (typeof target === "string") {
    if (!target.startsWith("https://") && !target.startsWith("http://")) return undefined;
    url = target;
  } else if (target instanceof URL) {
    url = target.href;
    if (!url.startsWith("https://") && !url.startsWith("http://")) return undefined;
  } else return undefined;
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
    if (typeof text !== "string" || !/^[!#$%&'*+.^_`|~\w-]+$/.test(name)) return false;
    // Tab, visible ASCII and Latin-1: no NUL, CR, LF or other control character, no code point
    // above U+00FF (a `ByteString`).
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(text)) return false;
    if (authorizes && name.length === 13 && name.toLowerCase() === "authorization") return false;
  }
  return true;
}

/** Sends a call through a pipeline's handlers from the start (`createFetch()`'s own way). */
export type ViaPipeline = (
  target: RequestInfo | URL,
  init: RequestInit | undefined,
  head: Handler | undefined,
  second: Handler | undefined,
  tail: Next,
  maxRedirects: number,
) => Promise<Response>;

/**
 * Sends a call by the lane: `auth()`'s origin decision and token, one `fetch(url, init)`, and, when its
 * answer or failure needs them, `auth()`'s, `retry()`'s and `createFetch()`'s own steps
 * ({@linkcode answered}, {@linkcode failed}).
 *
 * @param lane The pipeline's lane.
 * @param call The call, from {@linkcode laneCall}.
 * @param target What the pipeline builds its request from.
 * @param init The caller's init.
 * @param head The pipeline's first handler (`createFetch()`'s split of it).
 * @param second Its second handler, when it has two.
 * @param tail The platform end (in every pipeline the lane takes).
 * @param maxRedirects The most redirects followed.
 * @param viaPipeline Sends the call through the handlers instead.
 * @returns The response, as the pipeline would have answered.
 */
export async function sendByLane(
  lane: Lane,
  call: Call,
  target: string | URL,
  init: RequestInit | undefined,
  head: Handler | undefined,
  second: Handler | undefined,
  tail: Next,
  maxRedirects: number,
  viaPipeline: ViaPipeline,
): Promise<Response> {
  const tokens = lane.tokens;
  const signal = call.signal;
  let header: string | undefined;
  let sentToken: string | undefined;
  if (tokens !== undefined && allowedByDefault(call.url)) {
    if (isChallengeTokenSource(tokens)) {
      return viaPipeline(target, init, head, second, tail, maxRedirects);
    }
    const now = tokenNow(tokens, signal);
    const token = now instanceof Promise ? await now : now;
    header = headerValue(token);
    if (header === undefined || token.dpopJkt !== undefined) {
      return viaPipeline(target, init, head, second, tail, maxRedirects);
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
    return failed({ lane, call, target, init, header, head, second, tail, maxRedirects }, error);
  }
  const status = response.status;
  if (
    (sentToken !== undefined && status === 401) || REDIRECT.has(status) ||
    (lane.policy !== undefined && lane.policy.statuses.has(status))
  ) {
    const step: Step = { lane, call, target, init, header, head, second, tail, maxRedirects };
    return answered(step, response, sentToken);
  }
  return response;
}

/** A call sent by the lane, for the steps that follow its answer. */
interface Step {
  lane: Lane;
  call: Call;
  target: string | URL;
  init: RequestInit | undefined;
  /** The `Authorization` value sent, when `auth()` attached one. */
  header: string | undefined;
  head: Handler | undefined;
  second: Handler | undefined;
  tail: Next;
  maxRedirects: number;
  /** The pipeline's request, once one is needed. */
  request?: Request;
}

/** The request the pipeline would have had when it sent: its own, with `auth()`'s header set. */
function requestOf(step: Step): Request {
  if (step.request === undefined) {
    step.request = pipelineRequest(step.target, step.init);
    if (step.header !== undefined) step.request.headers.set("authorization", step.header);
  }
  return step.request;
}

/** `retry()`'s `next`: `auth()` and the platform end. */
function retried(step: Step): Next {
  const auth = step.second!;
  const tail = step.tail;
  return (request) => auth(request, tail);
}

/** Whether `retry()` would retry this call at all. */
function retries(step: Step): boolean {
  const policy = step.lane.policy;
  return policy !== undefined && retriesMethod(policy, step.call.method ?? "GET");
}

/**
 * What the pipeline does with an answer the lane got: `auth()` refreshes and replays on a 401 for the
 * token it sent, `retry()` retries a retryable status, `createFetch()` follows a redirect.
 */
async function answered(
  step: Step,
  response: Response,
  sentToken: string | undefined,
): Promise<Response> {
  const lazy = await import("./lazy.ts");
  if (sentToken !== undefined && response.status === 401) {
    response = await lazy.refreshRejected(
      step.lane.tokens!,
      requestOf(step),
      step.tail,
      sentToken,
      response,
    );
  }
  if (retries(step) && retriesAnswer(step.lane.policy!, response, step.call.signal)) {
    response = await lazy.retryFrom(
      step.lane.policy!,
      requestOf(step),
      retried(step),
      response,
      undefined,
    );
  }
  return follow(step, response);
}

/**
 * What the pipeline does when the lane's send fails: the platform end cleans the error (the caller's
 * own abort reason passes as it is), `retry()` retries a network error.
 */
async function failed(step: Step, error: unknown): Promise<Response> {
  const signal = step.call.signal;
  if (signal !== undefined && signal.aborted && error === signal.reason) throw error;
  const lazy = await import("./lazy.ts");
  // A request the platform refused to build (a URL that does not parse) fails here as it would have in
  // the pipeline, before anything was sent.
  const request = requestOf(step);
  const cleaned = lazy.cleanSendError(error, request);
  if (!retries(step) || !retriesFailure(step.lane.policy!, cleaned, signal)) throw cleaned;
  const response = await lazy.retryFrom(
    step.lane.policy!,
    request,
    retried(step),
    undefined,
    cleaned,
  );
  return follow(step, response);
}

/** `createFetch()`'s redirect step: a redirect is followed by hand, every hop through the handlers. */
async function follow(step: Step, response: Response): Promise<Response> {
  if (!REDIRECT.has(response.status)) return response;
  const { head, second, tail } = step;
  return (await import("./lazy.ts")).followRedirects(
    requestOf(step),
    response,
    "follow",
    step.maxRedirects,
    (hop) => runPipeline(hop, head, second, tail),
  );
}
