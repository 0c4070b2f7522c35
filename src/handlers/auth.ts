/**
 * {@linkcode auth}: attach the access token to requests for allowed origins, with refresh-on-401.
 *
 * @module
 */

import type { Handler, Next } from "../pipeline.ts";
import type { TokenSource } from "../tokens/source.ts";
import { authorizationHeader } from "../tokens/token.ts";
import { originPolicy, type OriginsOption } from "./origins.ts";
import { sendWithRefresh } from "./refresh_on_401.ts";

/** Options of {@linkcode auth}. */
export interface AuthOptions {
  /**
   * Origins that may receive the token. Plain `http:` origins other than loopback receive it only when
   * listed here. @default any `https:` origin and loopback `http:`
   */
  origins?: OriginsOption;
  /** Refresh and replay once on a 401 for the token sent. @default true */
  refreshOn401?: boolean;
  /**
   * Leave a request alone when it already carries an `Authorization` header the caller set. Off by
   * default, so replays by `retry()` always carry the current token. @default false
   */
  keepExisting?: boolean;
}

/**
 * A handler that sets `Authorization: <tokenType> <accessToken>` on requests for allowed origins and,
 * by default, refreshes and replays once on a 401 for that token ({@linkcode refreshOn401}).
 *
 * The token goes only to allowed origins (`origins`; by default any `https:` origin and loopback `http:`),
 * and since `createFetch` follows redirects through the pipeline, each hop is decided anew: the token never
 * follows a redirect to another origin.
 *
 * @param tokens Where tokens come from.
 * @param options Allowed origins and refresh-on-401.
 * @returns The handler.
 * @throws {TypeError} When an `origins` entry is not an absolute URL.
 * @example
 * ```ts
 * import { auth, clientCredentials, createFetch, retry, tokenSource } from "@authfetch/authfetch";
 * const tokens = tokenSource(clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "svc",
 *   clientSecret: "s3cret",
 * }));
 * const api = createFetch([retry(), auth(tokens, { origins: ["https://api.example.com"] })]);
 * // const response = await api("https://api.example.com/v1/things");
 * ```
 */
export function auth(tokens: TokenSource, options: AuthOptions = {}): Handler {
  const allowed = originPolicy(options.origins);
  const refresh = options.refreshOn401 ?? true;
  const keepExisting = options.keepExisting ?? false;
  return async function auth(request: Request, next: Next): Promise<Response> {
    if (!allowed(new URL(request.url))) return next(request);
    if (keepExisting && request.headers.has("authorization")) return next(request);
    const token = await tokens.getToken({ signal: request.signal });
    request.headers.set("authorization", authorizationHeader(token));
    if (!refresh) return next(request);
    return sendWithRefresh(tokens, request, next, token.accessToken);
  };
}
