/**
 * How `auth()` talks to a source that signs in from the resource's own challenge
 * (`protectedResource()`): send without a token until there is one, hand each 401 or 403 challenge
 * over, and replay the request a bounded number of times. Loaded with `import()` (through
 * `src/lazy.ts`) when `auth()` first meets such a source.
 *
 * @module
 */

import type { Next } from "../pipeline.ts";
import { derive } from "../replay.ts";
import { authorizationHeader } from "../tokens/token.ts";
import type { ChallengeTokenSource } from "./challenge_source.ts";
import { parseWwwAuthenticate } from "./www_authenticate.ts";

/** Replays of one request after challenges: a sign-in on the 401, then one step-up on a 403. */
const MAX_REPLAYS = 2;

/**
 * Sends `request` with the source's token (or none yet) and answers challenges: a 401 (no token sent, or
 * the token was rejected) and a 403 `insufficient_scope` / `insufficient_user_authentication` go to
 * `getToken({ challenge })`; when that returns another token, the request is replayed with it, at most
 * {@linkcode MAX_REPLAYS} times.
 *
 * @param tokens The source.
 * @param request The request.
 * @param next The rest of the pipeline.
 * @returns The response.
 */
export async function sendWithChallenges(
  tokens: ChallengeTokenSource,
  request: Request,
  next: Next,
): Promise<Response> {
  if (!tokens.appliesTo(request.url)) return next(request);
  const signal = request.signal;
  const first = await tokens.peekToken({ signal });
  let sent = first?.accessToken;
  if (first !== undefined) request.headers.set("authorization", authorizationHeader(first));
  let current = request;
  for (let replays = 0;; replays++) {
    const replay = replays < MAX_REPLAYS && current.body !== null
      ? derive(current, current.clone())
      : current;
    const response = await next(current);
    if (replays >= MAX_REPLAYS || !isChallenge(response, sent)) return response;
    const fresh = await tokens.getToken({
      signal,
      rejected: sent,
      challenge: {
        status: response.status,
        url: request.url,
        wwwAuthenticate: response.headers.get("www-authenticate"),
      },
    });
    if (fresh.accessToken === sent) return response;
    await response.body?.cancel();
    replay.headers.set("authorization", authorizationHeader(fresh));
    sent = fresh.accessToken;
    current = replay;
  }
}

/** A 401 (to no token, or to the token sent) or a 403 that asks for more scope or authentication. */
function isChallenge(response: Response, sent: string | undefined): boolean {
  if (response.status !== 401 && response.status !== 403) return false;
  let error: string | undefined;
  for (const challenge of parseWwwAuthenticate(response.headers.get("www-authenticate"))) {
    const scheme = challenge.scheme.toLowerCase();
    if (scheme === "bearer" || scheme === "dpop") error ??= challenge.params.error;
  }
  if (response.status === 401) return sent === undefined || error !== "invalid_request";
  return error === "insufficient_scope" || error === "insufficient_user_authentication";
}
