/**
 * Which origins may receive a credential.
 *
 * @module
 */

/**
 * Allowed origins: exact origins (`"https://api.example.com"`), URLs (their origin is used) or a predicate.
 *
 * @example
 * ```ts
 * import { originPolicy, type OriginsOption } from "@authfetch/authfetch";
 * const origins: OriginsOption = ["https://api.example.com"];
 * const allowed = originPolicy(origins);
 * console.log(allowed(new URL("https://api.example.com/v1/orders"))); // true
 * console.log(allowed(new URL("https://evil.example.net/"))); // false
 * ```
 */
export type OriginsOption = ReadonlyArray<string | URL> | ((url: URL) => boolean);

/**
 * Tells whether a host name is a loopback address: `localhost`, `*.localhost`, `127.0.0.0/8` or `[::1]`.
 *
 * @param hostname A URL's `hostname`.
 * @returns `true` for loopback hosts.
 * @example
 * ```ts
 * import { isLoopback } from "@authfetch/authfetch";
 * isLoopback("127.0.0.1"); // true
 * ```
 */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "[::1]" ||
    /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Builds the origin check used by `auth()` and `apiKey()`: with `origins`, exactly those; without, any
 * `https:` origin and loopback `http:`, never another plain `http:` origin.
 *
 * @param origins The allowed origins, or `undefined` for the default policy.
 * @returns A check for a request URL.
 * @throws {TypeError} When an entry is not an absolute URL or origin.
 * @example
 * ```ts
 * import { originPolicy } from "@authfetch/authfetch";
 * const allowed = originPolicy(["https://api.example.com"]);
 * allowed(new URL("https://api.example.com/v1")); // true
 * allowed(new URL("https://evil.example.com/")); // false
 * ```
 */
export function originPolicy(origins?: OriginsOption): (url: URL) => boolean {
  if (typeof origins === "function") return origins;
  if (origins === undefined) {
    return (url) =>
      url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
  }
  const set = new Set<string>();
  for (const entry of origins) {
    let origin: string;
    try {
      origin = new URL(entry).origin;
    } catch {
      throw new TypeError(`Cannot use origins: "${entry}" is not an absolute URL or origin`);
    }
    if (origin === "null") throw new TypeError(`Cannot use origins: "${entry}" has no origin`);
    set.add(origin);
  }
  return (url) => set.has(url.origin);
}
