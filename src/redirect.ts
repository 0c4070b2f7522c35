/**
 * Redirects, followed by hand for `createFetch` (which sends every request with `redirect: "manual"`
 * so each hop goes through the pipeline): loaded with `import()` (through `src/lazy.ts`) when the
 * first redirect comes, as most calls get none.
 *
 * @module
 */

import { type Next, safeUrl } from "./pipeline.ts";
import { REDIRECT } from "./request_source.ts";
import { bodySource, headersFor, markHop } from "./replay.ts";

/** Headers never sent to another origin than the request's. */
const CROSS_ORIGIN_HEADERS = ["authorization", "proxy-authorization", "cookie", "dpop"];

/**
 * Follows the redirects that answer a request, each hop sent through the pipeline, until an answer
 * is not a redirect or has no `Location`.
 *
 * @param request The caller's request, as the pipeline built it.
 * @param response Its answer: a redirect.
 * @param mode The caller's redirect mode (`"follow"` or `"error"`).
 * @param maxRedirects The most redirects followed.
 * @param send Sends a hop through the pipeline.
 * @returns The last answer.
 * @throws {TypeError} As {@linkcode followRedirect} does.
 */
export async function followRedirects(
  request: Request,
  response: Response,
  mode: RequestRedirect,
  maxRedirects: number,
  send: Next,
): Promise<Response> {
  for (let hops = 0;; hops++) {
    const location = response.headers.get("location");
    if (location === null) return response;
    await response.body?.cancel();
    request = await followRedirect(request, response.status, location, mode, hops, maxRedirects);
    response = await send(request);
    if (!REDIRECT.has(response.status)) return response;
  }
}

/**
 * The request of the next hop, after a redirect answered `previous` (whose body is cancelled by then):
 * same method and body for 307 and 308 (and for 301/302 of anything but POST), `GET` without body
 * otherwise (as `fetch` does); credential headers are dropped on a hop to another origin.
 *
 * @param previous The request that was redirected.
 * @param status The redirect status.
 * @param location The answer's `Location`.
 * @param mode The caller's redirect mode (`"follow"` or `"error"`).
 * @param hops How many redirects were followed before this one.
 * @param maxRedirects The most redirects followed.
 * @returns The next request, marked with the caller's origin (`redirectedFrom()`).
 * @throws {TypeError} With mode `"error"`, after `maxRedirects`, for an invalid location, or when the
 *   body has to be sent again and cannot be (a stream), as `fetch` does.
 */
export async function followRedirect(
  previous: Request,
  status: number,
  location: string,
  mode: RequestRedirect,
  hops: number,
  maxRedirects: number,
): Promise<Request> {
  if (mode === "error") {
    throw new TypeError(
      `Redirect to ${redirectTarget(location, previous.url)} refused: redirect mode is "error"`,
    );
  }
  if (hops >= maxRedirects) {
    throw new TypeError(
      `Too many redirects (more than ${maxRedirects}) starting at ${safeUrl(previous.url)}`,
    );
  }
  const url = new URL(location, previous.url);
  const headers = new Headers(previous.headers);
  if (url.origin !== new URL(previous.url).origin) {
    for (const name of CROSS_ORIGIN_HEADERS) headers.delete(name);
  }
  const keepMethod = status === 307 || status === 308 ||
    (previous.method !== "POST" && status !== 303) || previous.method === "HEAD";
  const init: RequestInit = { method: previous.method, headers, redirect: "manual" };
  init.signal = previous.signal;
  if (!keepMethod) {
    for (const name of ["content-type", "content-length", "content-encoding", "content-language"]) {
      headers.delete(name);
    }
    init.method = "GET";
    return markHop(new Request(url, init), previous);
  }
  const source = bodySource(previous);
  if (source === undefined) {
    if (previous.bodyUsed) throw unreplayable(status, url);
    return markHop(new Request(url, init), previous);
  }
  if (source.kind === "once") throw unreplayable(status, url);
  // A caller's Request is read once here (into a Blob), so later hops rebuild from that value.
  const body = source.kind === "value" ? source.body : await source.request.clone().blob();
  init.body = body;
  init.headers = headersFor(headers, body);
  return markHop(new Request(url, init), previous, body);
}

function redirectTarget(location: string, base: string): string {
  try {
    return safeUrl(new URL(location, base).href);
  } catch {
    return "an invalid location";
  }
}

function unreplayable(status: number, url: URL): TypeError {
  const where = `${url.origin}${url.pathname}`;
  return new TypeError(
    `Cannot follow the ${status} redirect to ${where}: the request body is a stream, which is sent ` +
      "once and never buffered; pass a string, ArrayBuffer, Blob, URLSearchParams or FormData body " +
      "to have it replayed",
  );
}
