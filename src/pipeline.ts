/**
 * The handler pipeline: {@linkcode Handler}, {@linkcode createFetch} and {@linkcode compose}.
 *
 * @module
 */

import { platformNext } from "./platform_error.ts";

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
 * call `next` once, or more than once for replays it makes on purpose (each with its own clone), and
 * return or replace the response.
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

const REDIRECT = new Set([301, 302, 303, 307, 308]);
const FIRST_ORIGIN = new WeakMap<Request, string>();

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
 * Makes `copy` (a clone or rebuild of `request`) carry what the pipeline knows about `request`: handlers
 * that clone a request for a replay call it so the redirect origin is not lost.
 *
 * @param request The request copied.
 * @param copy Its copy.
 * @returns `copy`.
 * @example
 * ```ts
 * import { derive } from "@authfetch/authfetch";
 * const request = new Request("https://example.com/", { method: "POST", body: "x" });
 * const spare = derive(request, request.clone());
 * ```
 */
export function derive(request: Request, copy: Request): Request {
  const origin = FIRST_ORIGIN.get(request);
  if (origin !== undefined) FIRST_ORIGIN.set(copy, origin);
  return copy;
}
const CROSS_ORIGIN_HEADERS = ["authorization", "proxy-authorization", "cookie", "dpop"];

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
  const platform: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const baseUrl = options.baseUrl === undefined ? undefined : new URL(options.baseUrl);
  const maxRedirects = options.maxRedirects ?? 20;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new RangeError(
      `Cannot create fetch: maxRedirects must be an integer ≥ 0, current value is ${maxRedirects}`,
    );
  }
  const send = compose([...handlers], platformNext(platform));

  return async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const target = baseUrl && typeof input === "string" ? new URL(input, baseUrl) : input;
    const mode: RequestRedirect = init?.redirect ??
      (input instanceof Request ? input.redirect : "follow");
    let request = new Request(target, init ? { ...init, redirect: "manual" } : MANUAL);
    if (mode === "manual") return send(request);
    for (let hops = 0;; hops++) {
      const replay = request.body !== null ? request.clone() : undefined;
      const response = await send(request);
      if (!REDIRECT.has(response.status)) return response;
      const location = response.headers.get("location");
      if (location === null) return response;
      if (mode === "error") {
        await response.body?.cancel();
        throw new TypeError(
          `Redirect to ${redirectTarget(location, request.url)} refused: redirect mode is "error"`,
        );
      }
      if (hops >= maxRedirects) {
        await response.body?.cancel();
        throw new TypeError(
          `Too many redirects (more than ${maxRedirects}) starting at ${safeUrl(request.url)}`,
        );
      }
      await response.body?.cancel();
      const first = FIRST_ORIGIN.get(request) ?? new URL(request.url).origin;
      request = nextHop(replay ?? request, response.status, new URL(location, request.url));
      FIRST_ORIGIN.set(request, first);
    }
  };
}

const MANUAL: RequestInit = { redirect: "manual" };

function nextHop(previous: Request, status: number, url: URL): Request {
  const headers = new Headers(previous.headers);
  if (url.origin !== new URL(previous.url).origin) {
    for (const name of CROSS_ORIGIN_HEADERS) headers.delete(name);
  }
  const keepMethod = status === 307 || status === 308 ||
    (previous.method !== "POST" && status !== 303) || previous.method === "HEAD";
  if (keepMethod) {
    return new Request(url, {
      method: previous.method,
      headers,
      body: previous.body,
      redirect: "manual",
      signal: previous.signal,
      // @ts-ignore: needed by runtimes that require it for stream bodies
      duplex: previous.body ? "half" : undefined,
    });
  }
  for (const name of ["content-type", "content-length", "content-encoding", "content-language"]) {
    headers.delete(name);
  }
  return new Request(url, { method: "GET", headers, redirect: "manual", signal: previous.signal });
}

function redirectTarget(location: string, base: string): string {
  try {
    return safeUrl(new URL(location, base).href);
  } catch {
    return "an invalid location";
  }
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
