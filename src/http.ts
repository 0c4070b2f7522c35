/**
 * Small HTTP helpers shared by the token endpoint client, discovery, revocation and introspection.
 *
 * @module
 */

import { isLoopback } from "./handlers/origins.ts";
import type { Fetch } from "./pipeline.ts";

/** The largest response body read from an authorization server, in bytes (golang/oauth2 uses 1 MiB). */
export const MAX_BODY_BYTES = 1 << 20;

/**
 * Reads a response body as text, up to `max` bytes. Its errors are built (in
 * `oauth/exchange_errors.ts`) only when the body cannot be read, and a body of unknown length or a
 * compressed one is read by `read_stream.ts`, loaded with the first.
 *
 * @param response The response.
 * @param max The cap in bytes.
 * @returns The text.
 * @throws {TokenResponseError} When the body is larger than the cap, or the connection fails mid-body.
 * @throws {TimeoutError} When the exchange's deadline (`timeout(ms, { body: true })`) ends mid-body.
 */
export async function readCapped(response: Response, max = MAX_BODY_BYTES): Promise<string> {
  const declared = response.headers.get("content-length");
  const length = declared === null ? NaN : contentLength(declared);
  if (length > max) {
    await response.body?.cancel();
    throw (await import("./lazy.ts")).tooLargeError(response.status, max, length);
  }
  if (response.body === null) return "";
  const encoding = response.headers.get("content-encoding");
  if (length <= max && (encoding === null || encoding.trim().toLowerCase() === "identity")) {
    // A declared length (HTTP framing bounds the body by it) of an uncompressed body: read it whole,
    // without building a stream reader (the first one a process makes costs Deno several ms).
    try {
      return await response.text();
    } catch (error) {
      // an abort or a deadline stays what it is; a connection closed mid-body is the server's failure
      throw (await import("./lazy.ts")).bodyFailure(response.status, error);
    }
  }
  // A body of unknown length, or compressed: read in chunks up to the cap, by code that loads with
  // the first such body.
  return (await import("./lazy.ts")).readStream(response.body, response.status, max);
}

/**
 * A `Content-Length` value as a number: digits, with spaces around, else `NaN` (a list, a sign, a
 * fraction). Read without a pattern: compiling one costs a process's first request more.
 */
function contentLength(value: string): number {
  const text = value.trim();
  if (text === "") return NaN;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
  }
  return Number(text);
}

/**
 * Checks that a URL given for an authorization server endpoint is `https:` (or loopback `http:`).
 *
 * @param url The endpoint.
 * @param what Its name for the message.
 * @param allowInsecure Accept any `http:` URL.
 * @returns The parsed URL.
 * @throws {TypeError} When the URL is invalid or plain `http:` to a non-loopback host.
 */
export function endpointUrl(url: string | URL, what: string, allowInsecure = false): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `Cannot use ${what}: "${String(url).slice(0, 200)}" is not an absolute URL`,
    );
  }
  if (parsed.protocol === "https:") return parsed;
  if (parsed.protocol === "http:" && (allowInsecure || isLoopback(parsed.hostname))) return parsed;
  throw new TypeError(
    `Cannot use ${what} ${parsed.origin}: only https: (or loopback http:) is allowed; ` +
      "set allowInsecureHttp: true to permit it",
  );
}

/**
 * The platform fetch, or the one given.
 *
 * @param fetch A custom fetch.
 * @returns A fetch function.
 */
export function fetchOf(fetch?: Fetch): Fetch {
  return fetch ?? ((input, init) => globalThis.fetch(input, init));
}
