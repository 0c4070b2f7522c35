/**
 * The handler pipeline: {@linkcode Handler}, {@linkcode createFetch} and {@linkcode compose}.
 *
 * @module
 */

import type { LaneKit, ViaPipeline } from "./direct_lane.ts";
import { allowedByDefault } from "./handlers/auth.ts";
import { isChallengeTokenSource } from "./handlers/challenge_source.ts";
import { AUTH_TOKENS, RETRY_POLICIES } from "./lane_handlers.ts";
import { headerValue } from "./tokens/token_read.ts";
import { type Pipeline, runPipeline } from "./pipeline_run.ts";
import { pipelineRequest, REDIRECT } from "./request_source.ts";
import { platformNext } from "./platform_next.ts";

/**
 * Sends a request on to the rest of the pipeline and resolves to its response.
 *
 * @example
 * ```ts
 * import type { Handler, Next } from "@authfetch/authfetch";
 * const logStatus: Handler = async (request: Request, next: Next): Promise<Response> => {
 *   const response = await next(request);
 *   console.log(request.method, request.url, response.status);
 *   return response;
 * };
 * ```
 */
export type Next = (request: Request) => Promise<Response>;

/**
 * One step of the pipeline. It may change the request (headers are set on the request it was given),
 * call `next` once, or more than once for replays it makes on purpose (each with a copy from
 * {@linkcode replay}, never the same request twice), and return or replace the response. A handler never
 * reads `request.body` to learn whether there is one: in Deno that alone changes how the body is sent.
 *
 * @example
 * ```ts
 * import { createFetch, type Handler } from "@authfetch/authfetch";
 * const userAgent: Handler = (request, next) => {
 *   request.headers.set("user-agent", "my-app/1.0");
 *   return next(request);
 * };
 * const api = createFetch([userAgent]);
 * ```
 */
export type Handler = (request: Request, next: Next) => Promise<Response>;

/**
 * A function with the exact signature of the platform `fetch`.
 *
 * @example
 * ```ts
 * import { createFetch, type Fetch } from "@authfetch/authfetch";
 * const stub: Fetch = () => Promise.resolve(new Response("ok"));
 * const api: Fetch = createFetch([], { fetch: stub });
 * console.log(await (await api("https://example.com/")).text()); // "ok"
 * ```
 */
export type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/**
 * Options of {@linkcode createFetch}.
 *
 * @example
 * ```ts
 * import { createFetch, type CreateFetchOptions } from "@authfetch/authfetch";
 * const options: CreateFetchOptions = { baseUrl: "https://api.example.com/v1/", maxRedirects: 5 };
 * const api = createFetch([], options);
 * // const orders = await (await api("orders")).json(); // GET https://api.example.com/v1/orders
 * ```
 */
export interface CreateFetchOptions {
  /** The fetch at the end of the pipeline. @default globalThis.fetch */
  fetch?: Fetch;
  /** Relative URLs (strings) are resolved against it. @default undefined */
  baseUrl?: string | URL;
  /** The most redirects followed for one call before it fails, as `fetch` does. @default 20 */
  maxRedirects?: number;
}

/**
 * Composes handlers into one: the first is outermost.
 *
 * @param handlers The handlers, outermost first.
 * @param last What the innermost handler calls.
 * @returns A function that runs a request through every handler and then `last`.
 * @example
 * ```ts
 * import { compose, type Handler } from "@authfetch/authfetch";
 * const tag: Handler = (request, next) => {
 *   request.headers.set("x-tag", "1");
 *   return next(request);
 * };
 * const send = compose([tag], (request) => Promise.resolve(new Response(request.headers.get("x-tag"))));
 * console.log(await (await send(new Request("https://example.com/"))).text()); // "1"
 * ```
 */
export function compose(handlers: readonly Handler[], last: Next): Next {
  let next = last;
  for (let i = handlers.length - 1; i >= 0; i--) {
    const handler = handlers[i];
    const inner = next;
    next = (request) => handler(request, inner);
  }
  return next;
}

/**
 * Builds a function with the signature and semantics of `fetch` that runs every request through
 * `handlers`, first outermost.
 *
 * Redirects are followed by the pipeline itself, not by the platform: each hop runs through every handler
 * again, credentials headers (`Authorization`, `Cookie`, `DPoP`) are dropped on a hop to another origin,
 * and `auth()` never attaches a token to a hop whose origin differs from the caller's request
 * ({@linkcode redirectedFrom}), on every runtime. With
 * `redirect: "manual"` the 3xx response is returned; with `"error"` a redirect rejects with `TypeError`.
 *
 * Bodies go out exactly as plain `fetch` sends them (`Content-Length`, `Content-Type`), on the first
 * send and on every replay (refresh-on-401, retry, 307/308), which is rebuilt from the body's source
 * ({@linkcode replay}). A `ReadableStream` body is sent once and never buffered: it is not replayed, so a
 * 307/308 for it rejects with `TypeError`, as `fetch` does.
 *
 * @param handlers The handlers, outermost first: `createFetch([retry(), auth(tokens)])`.
 * @param options The platform fetch to end with and a base URL.
 * @returns A `fetch`-compatible function.
 * @throws {TypeError} When a relative URL is given without `baseUrl`, as `fetch` does.
 * @example
 * ```ts
 * import { createFetch, retry } from "@authfetch/authfetch";
 * const api = createFetch([retry()], {
 *   baseUrl: "https://api.example.com/v1/",
 *   fetch: () => Promise.resolve(new Response("ok")),
 * });
 * const response = await api("users/me");
 * console.log(response.status); // 200
 * ```
 */
export function createFetch(handlers: readonly Handler[], options: CreateFetchOptions = {}): Fetch {
  const baseUrl = options.baseUrl === undefined ? undefined : new URL(options.baseUrl);
  const maxRedirects = options.maxRedirects ?? 20;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new RangeError(
      `Cannot create fetch: maxRedirects must be an integer ≥ 0, current value is ${maxRedirects}`,
    );
  }
  const last = options.fetch === undefined ? globalNext() : platformNext(options.fetch);
  // The pipeline as compose() builds it, with fewer closures (each client holds those it keeps): the
  // first handler is called directly and, for two handlers, the second's `next` is made for each call
  // and dropped with it. Calls the direct lane can send skip the pipeline's own Request
  // (direct_lane.ts): only a pipeline of at most two handlers ending with the global `fetch` may have
  // one, known once the lane's code has loaded.
  const pipeline: Pipeline = {
    head: handlers[0],
    second: handlers.length === 2 ? handlers[1] : undefined,
    tail: handlers.length > 2 ? compose(handlers.slice(1), last) : last,
    maxRedirects,
    laned: options.fetch === undefined && handlers.length <= 2 ? undefined : false,
    tokens: undefined,
    policy: undefined,
  };

  return function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    try {
      const target = baseUrl && typeof input === "string" ? new URL(input, baseUrl) : input;
      if (pipeline.laned !== false) {
        const by = laneModule;
        if (by === undefined) {
          if (++laneCalls === 2) loadDirectLane();
        } else if (pipeline.laned ?? by.findLane(pipeline)) {
          const call = by.laneCall(target, init, pipeline.tokens !== undefined);
          if (call !== undefined) {
            return by.sendByLane(pipeline, call, target as string | URL, init);
          }
        }
      }
      return viaPipeline(target, init, pipeline);
    } catch (error) {
      // as `fetch` does: a call that cannot be made rejects, it never throws
      return Promise.reject(error);
    }
  };
}

/** The direct lane's code, once loaded. */
let laneModule: typeof import("./direct_lane.ts") | undefined;
let laneLoad: Promise<void> | undefined;
/** Calls made through pipelines the lane may take, counted until the lane's code is asked for. */
let laneCalls = 0;

/**
 * Loads the direct lane's code. A process asks for it with its second call through a pipeline the
 * lane may take (at most two handlers, the global `fetch`), so a process that makes one call, a CLI
 * or an edge function's cold start, never loads it; until it has loaded, calls go through the
 * handlers.
 *
 * @returns When the lane is in use (a lane that fails to load leaves every call to the handlers).
 */
export function loadDirectLane(): Promise<void> {
  return laneLoad ??= import("./direct_lane.ts").then((loaded) => {
    const kit: LaneKit = {
      allowed: allowedByDefault,
      challenge: isChallengeTokenSource,
      headerValue,
      redirect: REDIRECT,
      authTokens: AUTH_TOKENS,
      retryPolicies: RETRY_POLICIES,
      viaPipeline,
    };
    loaded.equip(kit);
    laneModule = loaded;
  }, () => {});
}

/** A call through the handlers: the pipeline's `Request`, the handlers, and redirects followed by hand. */
const viaPipeline: ViaPipeline = async (target, init, pipeline) => {
  const mode: RequestRedirect = init?.redirect ??
    (target instanceof Request ? target.redirect : "follow");
  const request = pipelineRequest(target, init);
  const response = await runPipeline(request, pipeline);
  if (mode === "manual" || !REDIRECT.has(response.status)) return response;
  // Following redirects by hand loads with the first one.
  return (await import("./lazy.ts")).followRedirects(
    request,
    response,
    mode,
    pipeline.maxRedirects,
    (hop) => runPipeline(hop, pipeline),
  );
};

let sharedNext: Next | undefined;

/**
 * The end of every pipeline without a `fetch` option: `globalThis.fetch` (looked up per call, so a
 * replaced global is used), errors cleaned; one function shared by all of them.
 */
function globalNext(): Next {
  return sharedNext ??= platformNext((input, init) => globalThis.fetch(input, init));
}

/**
 * A URL without query, fragment and user info, for messages and logs.
 *
 * @param url An absolute URL.
 * @returns Origin and path only.
 * @example
 * ```ts
 * import { safeUrl } from "@authfetch/authfetch";
 * safeUrl("https://u:p@api.example.com/x?code=secret#f"); // "https://api.example.com/x"
 * ```
 */
export function safeUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "<invalid url>";
  }
}
