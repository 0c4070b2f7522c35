/**
 * The refresh_token grant request (RFC 6749 §6), shared by every grant that issues refresh tokens.
 *
 * @module
 */

import type { GrantRequestOptions } from "../tokens/source.ts";
import type { Token } from "../tokens/token.ts";
import { type GrantOptions, requestToken, scopeString } from "../oauth/token_request.ts";
import { Secrets } from "../secrets.ts";

/**
 * Exchanges `refreshToken` for a new token. A response without a new refresh token keeps the old one.
 *
 * @param options The grant's endpoint options.
 * @param refreshToken The refresh token.
 * @param request Signal, extra headers and secrets to scrub from errors.
 * @param accessToken The access token being replaced: the server knows it, so it is scrubbed from errors.
 * @returns The new token.
 */
export async function refreshWith(
  options: GrantOptions,
  refreshToken: string,
  request: GrantRequestOptions & { headers?: HeadersInit; secrets?: Secrets } = {},
  accessToken?: string,
): Promise<Token> {
  const token = await requestToken(options, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    scope: scopeString(options.scope),
    resource: options.resource,
  }, { ...request, secrets: new Secrets([accessToken]).merge(request.secrets) });
  if (token.refreshToken === undefined) token.refreshToken = refreshToken;
  return token;
}
