/**
 * {@linkcode refreshOn401}: one refresh and replay when a server rejects the token that was sent.
 *
 * @module
 */

import type { Handler, Next } from "../pipeline.ts";
import { replay } from "../replay.ts";
import type { TokenSource } from "../tokens/source.ts";
import { authorizationHeader } from "../tokens/token.ts";
import { parseWwwAuthenticate } from "./www_authenticate.ts";

/**
 * Tells whether a 401 means "this token is no good" (so a new token may help): `true` unless the server's
 * `Bearer`/`DPoP` challenge names an error a new token cannot fix (`invalid_request`,
 * `insufficient_scope`).
 *
 * @param response A 401 response.
 * @returns Whether to refresh and replay.
 * @example
 * ```ts
 * import { isTokenRejection } from "@authfetch/authfetch";
 * const r = new Response(null, { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } });
 * console.log(isTokenRejection(r)); // true
 * ```
 */
export function isTokenRejection(response: Response): boolean {
  if (response.status !== 401) return false;
  for (const challenge of parseWwwAuthenticate(response.headers.get("www-authenticate"))) {
    const scheme = challenge.scheme.toLowerCase();
    if (scheme !== "bearer" && scheme !== "dpop") continue;
    const error = challenge.params.error;
    if (
      error === "invalid_request" || error === "insufficient_scope" || error === "use_dpop_nonce"
    ) return false;
  }
  return true;
}

/**
 * Sends `request` with `sentToken` and, when the answer is a 401 for that token, asks `tokens` for a
 * different token (handing it the 401 as `challenge`) and replays the request once, body included (rebuilt from its source by `replay()`).
 * A second 401 is returned as it is; so is the first when the body is a `ReadableStream` (sent once,
 * never buffered), after the rejected token has been replaced for later calls. Shared by {@linkcode refreshOn401} and `auth()`.
 *
 * @param tokens The token source.
 * @param request The request, already carrying `sentToken`.
 * @param next The rest of the pipeline.
 * @param sentToken The access token in the request's `Authorization` header.
 * @returns The response.
 */
export async function sendWithRefresh(
  tokens: TokenSource,
  request: Request,
  next: Next,
  sentToken: string,
): Promise<Response> {
  return await refreshRejected(tokens, request, next, sentToken, await next(request));
}

/**
 * {@linkcode sendWithRefresh} once the answer is in: a 401 for `sentToken` has the token replaced and
 * the request replayed once; any other answer is returned as it is. `auth()` loads it with its first
 * 401.
 *
 * @param tokens The token source.
 * @param request The request sent, carrying `sentToken`.
 * @param next The rest of the pipeline.
 * @param sentToken The access token in the request's `Authorization` header.
 * @param response Its answer.
 * @returns The response.
 */
export async function refreshRejected(
  tokens: TokenSource,
  request: Request,
  next: Next,
  sentToken: string,
  response: Response,
): Promise<Response> {
  if (response.status !== 401 || !isTokenRejection(response)) return response;
  // The rejected token is replaced even when the request cannot be replayed, so the next call works.
  const fresh = await tokens.getToken({
    rejected: sentToken,
    signal: request.signal,
    // The 401 as step-up hands it over: a source that reads challenges sees this one too.
    challenge: {
      status: 401,
      url: request.url,
      wwwAuthenticate: response.headers.get("www-authenticate"),
    },
  });
  if (fresh.accessToken === sentToken) return response;
  const again = replay(request);
  if (again === undefined) return response;
  await response.body?.cancel();
  again.headers.set("authorization", authorizationHeader(fresh));
  return next(again);
}

/**
 * A handler that, on a 401 for the token the request carried, asks `tokens` for a different token
 * (`getToken({ rejected, challenge })`, the challenge being the 401's status, URL and
 * `WWW-Authenticate`) and replays the request once, its body rebuilt from the body's source (`replay()`), so the replay goes out
 * with the same `Content-Length` and `Content-Type`. A `ReadableStream` body is sent once and never
 * buffered: the 401 is handed back (and the token is replaced for the next call). `auth()` includes
 * it; use it on its own after a handler of yours that sets `Authorization`.
 *
 * It applies whether or not the token's expiry is known, and only when the 401 came back for the token
 * sent (an `Authorization` header with the `Bearer` or `DPoP` scheme). `WWW-Authenticate` errors a new token
 * cannot fix (`invalid_request`, `insufficient_scope`) are returned as they are.
 *
 * @param tokens The token source to ask.
 * @returns The handler.
 * @example
 * ```ts
 * import { createFetch, existingToken, refreshOn401, tokenSource } from "@authfetch/authfetch";
 * const tokens = tokenSource(existingToken({ accessToken: "abc" }));
 * const api = createFetch([
 *   async (request, next) => {
 *     request.headers.set("authorization", `Bearer ${(await tokens.getToken()).accessToken}`);
 *     return next(request);
 *   },
 *   refreshOn401(tokens),
 * ]);
 * ```
 */
export function refreshOn401(tokens: TokenSource): Handler {
  return function refreshOn401(request: Request, next: Next): Promise<Response> {
    const header = request.headers.get("authorization");
    const match = header === null ? null : /^(?:bearer|dpop)\s+(\S+)$/i.exec(header);
    if (match === null) return next(request);
    return sendWithRefresh(tokens, request, next, match[1]);
  };
}
