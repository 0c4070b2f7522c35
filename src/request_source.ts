/**
 * Where the body of each request a pipeline builds comes from, recorded as `createFetch` builds it
 * ({@linkcode pipelineRequest}), and the origin a redirect started from. This is what every call
 * runs; `replay.ts` rebuilds copies from it when a request is sent again.
 *
 * @module
 */

/** Where a request's body comes from. */
export type BodySource =
  /** A value that can be turned into a body again and again. */
  | { kind: "value"; body: BodyInit }
  /** The caller's own `Request`, kept unread; each send is a clone of it. */
  | { kind: "request"; request: Request }
  /** A stream: sent once. */
  | { kind: "once" };

/** The origin of the caller's request, for each hop of a redirect followed by hand. */
export const FIRST_ORIGIN: WeakMap<Request, string> = new WeakMap<Request, string>();
/** Where the body of each request the pipeline built comes from. */
export const SOURCES: WeakMap<Request, BodySource> = new WeakMap<Request, BodySource>();
const ONCE: BodySource = { kind: "once" };
/** The statuses of a redirect `createFetch` follows (when the answer has a `Location`). */
export const REDIRECT: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Methods whose requests carry no body. */
export const NO_BODY: ReadonlySet<string> = new Set(["GET", "HEAD"]);

/**
 * For a request made by following a redirect, the origin of the request the caller made; `undefined`
 * for the caller's own request. Credential handlers use it to never send a credential across a
 * redirect to another origin.
 *
 * @param request A request in the pipeline.
 * @returns The caller's original origin, for redirect hops.
 * @example
 * ```ts
 * import { redirectedFrom } from "@authfetch/authfetch";
 * console.log(redirectedFrom(new Request("https://example.com/"))); // undefined
 * ```
 */
export function redirectedFrom(request: Request): string | undefined {
  return FIRST_ORIGIN.get(request);
}

/**
 * Builds the request `createFetch` sends down the pipeline for `fetch(input, init)`, with
 * `redirect: "manual"`, and records where its body comes from.
 *
 * @param input What the caller passed.
 * @param init The caller's init.
 * @returns The request.
 */
export function pipelineRequest(input: RequestInfo | URL, init: RequestInit | undefined): Request {
  const body = init?.body;
  if (body !== undefined && body !== null) {
    const request = new Request(input, { ...init, redirect: "manual" });
    SOURCES.set(request, isValue(body) ? { kind: "value", body } : ONCE);
    return request;
  }
  if (!(input instanceof Request) || NO_BODY.has(input.method)) {
    return new Request(input, init ? { ...init, redirect: "manual" } : MANUAL);
  }
  if (init?.method !== undefined && NO_BODY.has(init.method.toUpperCase())) {
    return new Request(input, { ...init, redirect: "manual" });
  }
  // The caller's Request stays unread: every send is a clone of it.
  const request = new Request(input.clone(), init ? { ...init, redirect: "manual" } : MANUAL);
  SOURCES.set(request, { kind: "request", request: input });
  return request;
}

const MANUAL: RequestInit = { redirect: "manual" };

function isValue(body: BodyInit): boolean {
  return typeof body === "string" || body instanceof ArrayBuffer || ArrayBuffer.isView(body) ||
    body instanceof Blob || body instanceof URLSearchParams || body instanceof FormData;
}
