/**
 * How `auth()` sends a DPoP-bound token (RFC 9449): loaded with `import()` (through `src/lazy.ts`)
 * with the first such token, so Bearer-only clients never carry it.
 *
 * @module
 */

import { AuthFetchError } from "../errors.ts";
import type { DPoPKey } from "../oauth/dpop.ts";
import type { Next } from "../pipeline.ts";
import type { TokenSource } from "../tokens/source.ts";
import type { Token } from "../tokens/token.ts";
import { sendWithRefresh } from "./refresh_on_401.ts";

/**
 * Sends with a DPoP proof for each `Authorization: DPoP` request, the first and a refresh replay; a
 * token bound to another key than `dpop` (or to a key when none is given) is never sent.
 *
 * @param tokens The source.
 * @param request The request, its `Authorization` set from `token`.
 * @param next The rest of the pipeline.
 * @param token The token sent.
 * @param dpop The key given to `auth()`.
 * @param refresh Refresh and replay once on a 401 for the token.
 * @returns The response.
 */
export function sendBound(
  tokens: TokenSource,
  request: Request,
  next: Next,
  token: Token,
  dpop: DPoPKey | undefined,
  refresh: boolean,
): Promise<Response> {
  if (token.dpopJkt !== undefined && token.dpopJkt !== dpop?.thumbprint) {
    return Promise.reject(
      new AuthFetchError(
        "token_unavailable",
        dpop === undefined
          ? "The access token is bound to a DPoP key: pass that key as auth(tokens, { dpop })"
          : "The access token is bound to another DPoP key than the one given to auth(); it is not sent",
      ),
    );
  }
  const send: Next = (request) => {
    const match = /^DPoP\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
    return match === null ? next(request) : dpop!.send(request, next, match[1]);
  };
  return refresh ? sendWithRefresh(tokens, request, send, token.accessToken) : send(request);
}
