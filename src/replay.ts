/**
 * What the pipeline knows about each request it carries: the origin of the caller's request (for
 * redirect hops) and where its body came from, so that a replay is rebuilt from that source instead of
 * teeing a stream. {@linkcode replay} is the one way handlers get a copy to send again.
 *
 * The rules, in one place:
 * - Nothing reads `Request.body` (in Deno the getter alone turns a body of known length into a chunked
 *   stream, which WSGI servers read as empty).
 * - A body given as `init.body` that is a string, `ArrayBuffer`, typed array or `DataView`, `Blob`,
 *   `URLSearchParams` or `FormData` is rebuilt from that value for every replay, so each copy goes out
 *   with the same `Content-Length` and `Content-Type` as plain `fetch` sends.
 * - A body given as a `ReadableStream` (or any other one-shot source) is sent once, never buffered and
 *   never replayed: {@linkcode replay} returns `undefined` for it.
 * - A caller's own `Request` is kept unread as the source, and each send is made from a clone of it.
 *   A `Request` does not tell whether its body is a stream, so a large streamed upload should be passed
 *   as `init.body`, not wrapped in a `Request` (the platform's `clone()` tees it).
 *
 * @module
 */

import { type BodySource, FIRST_ORIGIN, NO_BODY, SOURCES } from "./request_source.ts";

export type { BodySource } from "./request_source.ts";

/**
 * Makes `copy` (a request built from `request`, e.g. `new Request(request, { signal })`) carry what
 * the pipeline knows about `request`: the redirect origin and the source of its body, so that
 * {@linkcode replay} still works on the copy. A handler that builds a new request to pass on calls it.
 *
 * @param request The request copied.
 * @param copy Its copy.
 * @returns `copy`.
 * @example
 * ```ts
 * import { derive, type Handler } from "@authfetch/authfetch";
 * const withSignal: Handler = (request, next) =>
 *   next(derive(request, new Request(request, { signal: AbortSignal.timeout(5_000) })));
 * ```
 */
export function derive(request: Request, copy: Request): Request {
  const origin = FIRST_ORIGIN.get(request);
  if (origin !== undefined) FIRST_ORIGIN.set(copy, origin);
  const source = SOURCES.get(request);
  if (source !== undefined) SOURCES.set(copy, source);
  return copy;
}

/**
 * A fresh copy of `request` to send again (refresh-on-401, retry, a redirect), with its URL, method,
 * signal and current headers, and its body rebuilt from the body's source: the value given as
 * `init.body`, or a new clone of the caller's own `Request`. On the wire the copy's body looks exactly as
 * the first send did (`Content-Length`, `Content-Type`). Call it after `next(request)` has answered, once
 * per replay.
 *
 * Returns `undefined` when the body cannot be sent again: it was a `ReadableStream` (sent once, never
 * buffered), or the request did not come through `createFetch` and its body has been read. Handlers then
 * hand the response (or error) they have back instead of replaying.
 *
 * @param request A request that went through (part of) the pipeline.
 * @returns A copy to send, or `undefined` when its body cannot be replayed.
 * @example
 * ```ts
 * import { createFetch, type Handler, replay } from "@authfetch/authfetch";
 * // Sends a request once more when the server answers 503, if its body allows it.
 * const onceMore: Handler = async (request, next) => {
 *   const response = await next(request);
 *   if (response.status !== 503) return response;
 *   const again = replay(request);
 *   if (again === undefined) return response; // a streamed body: not sent twice
 *   await response.body?.cancel();
 *   return next(again);
 * };
 * const api = createFetch([onceMore]);
 * ```
 */
export function replay(request: Request): Request | undefined {
  const source = SOURCES.get(request);
  if (source === undefined) {
    // Not built by createFetch: a request without a body (or not yet read) can be cloned.
    if (request.bodyUsed) return undefined;
    return derive(request, request.clone());
  }
  if (source.kind === "once") return undefined;
  let copy: Request;
  if (source.kind === "request" && source.request.url === request.url) {
    copy = new Request(source.request.clone(), {
      method: request.method,
      headers: request.headers,
      signal: request.signal,
      redirect: "manual",
    });
  } else if (source.kind === "value") {
    copy = new Request(request.url, {
      method: request.method,
      headers: headersFor(request.headers, source.body),
      body: source.body,
      signal: request.signal,
      redirect: "manual",
    });
  } else {
    return undefined;
  }
  return derive(request, copy);
}

/**
 * `request` at another URL (a handler that adds a query parameter, say), its body taken from the
 * body's source so that it keeps its framing; a stream body moves to the new request as it is.
 *
 * @param request The request.
 * @param url The new URL.
 * @returns The request to pass on, carrying what the pipeline knows about `request`.
 */
export async function retarget(request: Request, url: URL): Promise<Request> {
  const init: RequestInit = {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    redirect: request.redirect,
  };
  if (NO_BODY.has(request.method)) return derive(request, new Request(url, init));
  const source = SOURCES.get(request);
  if (source?.kind === "value") {
    init.body = source.body;
    init.headers = headersFor(request.headers, source.body);
    return derive(request, new Request(url, init));
  }
  if (source?.kind === "request") {
    const body = await source.request.clone().blob();
    init.body = body;
    const next = derive(request, new Request(url, init));
    SOURCES.set(next, { kind: "value", body });
    return next;
  }
  // A stream (sent once anyway), or a request from outside createFetch: the body moves as a stream.
  init.body = request.body;
  (init as { duplex?: string }).duplex = "half";
  return derive(request, new Request(url, init));
}

/**
 * Where the body of a request in the pipeline comes from, if the pipeline knows.
 *
 * @param request The request.
 * @returns Its body's source.
 */
export function bodySource(request: Request): BodySource | undefined {
  return SOURCES.get(request);
}

/**
 * Marks a request made by following a redirect: its body value, if it has one, and the origin of
 * the caller's request ({@linkcode redirectedFrom}).
 *
 * @param next The new hop's request.
 * @param previous The request that was redirected.
 * @param body The value `next`'s body was built from.
 * @returns `next`.
 */
export function markHop(next: Request, previous: Request, body?: BodyInit): Request {
  if (body !== undefined) SOURCES.set(next, { kind: "value", body });
  FIRST_ORIGIN.set(next, FIRST_ORIGIN.get(previous) ?? new URL(previous.url).origin);
  return next;
}

/**
 * The headers for a rebuilt body: a `FormData` body gets a new multipart boundary, so the old
 * `Content-Type` (which names the old one) is dropped and the platform sets the new one.
 */
export function headersFor(headers: Headers, body: BodyInit): Headers {
  const copy = new Headers(headers);
  if (body instanceof FormData && /^multipart\/form-data/i.test(copy.get("content-type") ?? "")) {
    copy.delete("content-type");
  }
  return copy;
}
