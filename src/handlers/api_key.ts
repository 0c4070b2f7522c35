/**
 * {@linkcode apiKey}: an API key as the credential, in a header or a query parameter, for allowed origins.
 *
 * @module
 */

import type { Handler, Next } from "../pipeline.ts";
import { redirectedFrom } from "../request_source.ts";
import { retarget } from "../replay.ts";
import { originPolicy, type OriginsOption } from "./origins.ts";

/**
 * Options of {@linkcode apiKey}.
 *
 * @example
 * ```ts
 * import { apiKey, type ApiKeyOptions, createFetch } from "@authfetch/authfetch";
 * const options: ApiKeyOptions = { scheme: "Token", origins: ["https://api.example.com"] };
 * const api = createFetch([apiKey("my-key", options)]); // Authorization: Token my-key
 * ```
 */
export interface ApiKeyOptions {
  /**
   * The header that carries the key. With `scheme`, the value is `<scheme> <key>` (for
   * `Authorization: Token <key>` and the like). Ignored when `query` is given. @default "x-api-key", or
   * "authorization" when `scheme` is given
   */
  header?: string;
  /** A scheme before the key in the header, such as `"Token"` or `"Bearer"`. @default undefined */
  scheme?: string;
  /** Send the key as this query parameter instead of a header (`?key=…`). @default undefined */
  query?: string;
  /**
   * Origins that may receive the key. @default any `https:` origin and loopback `http:` (list the API's
   * origin to keep the key from every other host)
   */
  origins?: OriginsOption;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * A handler that adds an API key to requests for allowed origins: in a header (`x-api-key` by default,
 * or `Authorization: <scheme> <key>`) or a query parameter. The key is never sent across a redirect to
 * another origin, and never appears in an error message.
 *
 * @param key The API key.
 * @param options Where the key goes and which origins may receive it.
 * @returns The handler.
 * @throws {TypeError} When the key is empty or not a valid header value, or an option is invalid (the
 * message never quotes the key).
 * @example
 * ```ts
 * import { apiKey, createFetch, retry } from "@authfetch/authfetch";
 * const api = createFetch([
 *   retry(),
 *   apiKey("k-123", { origins: ["https://api.example.com"] }),
 * ]);
 * const maps = createFetch([apiKey("k-456", { query: "key", origins: ["https://maps.example.com"] })]);
 * ```
 */
export function apiKey(key: string, options: ApiKeyOptions = {}): Handler {
  if (typeof key !== "string" || key === "") {
    throw new TypeError("Cannot use apiKey: the key is empty or not a string");
  }
  const allowed = originPolicy(options.origins);
  const query = options.query;
  if (query !== undefined) {
    if (typeof query !== "string" || query === "") {
      throw new TypeError(
        `Cannot use apiKey: query must be a parameter name, current value is "${query}"`,
      );
    }
    return async function apiKey(request: Request, next: Next): Promise<Response> {
      const url = new URL(request.url);
      if (!sendable(request, url, allowed)) {
        // A redirect that echoes the key to another origin does not carry it on.
        if (url.searchParams.get(query) !== key) return next(request);
        url.searchParams.delete(query);
      } else url.searchParams.set(query, key);
      return await next(await retarget(request, url));
    };
  }
  const scheme = options.scheme;
  const header = options.header ?? (scheme === undefined ? "x-api-key" : "authorization");
  if (!HEADER_NAME.test(header)) {
    throw new TypeError(
      `Cannot use apiKey: header must be a header name, current value is "${header}"`,
    );
  }
  if (scheme !== undefined && !HEADER_NAME.test(scheme)) {
    throw new TypeError(`Cannot use apiKey: scheme must be a token, current value is "${scheme}"`);
  }
  const value = scheme === undefined ? key : `${scheme} ${key}`;
  if (!HEADER_VALUE.test(value)) {
    throw new TypeError(
      "Cannot use apiKey: the key contains characters a header value cannot carry (spaces at the ends, " +
        "control or non-ASCII characters)",
    );
  }
  return function apiKey(request: Request, next: Next): Promise<Response> {
    if (sendable(request, new URL(request.url), allowed)) request.headers.set(header, value);
    else if (request.headers.get(header) === value) request.headers.delete(header);
    return next(request);
  };
}

function sendable(request: Request, url: URL, allowed: (url: URL) => boolean): boolean {
  if (!allowed(url)) return false;
  const first = redirectedFrom(request);
  return first === undefined || first === url.origin;
}
