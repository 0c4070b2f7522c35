/**
 * Starting from a refresh token (RFC 6749 §6).
 *
 * @module
 */

import { OAuthError } from "../errors.ts";
import type { Grant, GrantRequestOptions } from "../tokens/source.ts";
import type { Token } from "../tokens/token.ts";
import { type GrantOptions, withGrantKeys } from "../oauth/token_request.ts";
import { refreshWith } from "./_refresh.ts";

/**
 * Options of {@linkcode refreshToken}.
 *
 * @example
 * ```ts
 * import { refreshToken, type RefreshTokenGrantOptions, tokenSource } from "@authfetch/authfetch";
 * const options: RefreshTokenGrantOptions = {
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-app",
 *   refreshToken: "a-saved-refresh-token",
 * };
 * const tokens = tokenSource(refreshToken(options));
 * ```
 */
export interface RefreshTokenGrantOptions extends GrantOptions {
  /** The refresh token to start from; never logged. */
  refreshToken: string;
}

/**
 * A grant that starts from a refresh token obtained elsewhere (a login done earlier, a CI secret) and
 * keeps renewing with the newest refresh token (rotation is followed). When the refresh token is
 * rejected there is no way back without a person: it throws an {@linkcode OAuthError} `invalid_grant`.
 *
 * @param options Token endpoint, client credentials and the refresh token.
 * @returns The grant, for {@linkcode tokenSource}.
 * @example
 * ```ts
 * import { refreshToken, tokenSource } from "@authfetch/authfetch";
 * const tokens = tokenSource(refreshToken({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "cli",
 *   refreshToken: "stored-refresh-token",
 * }));
 * ```
 */
export function refreshToken(options: RefreshTokenGrantOptions): Grant {
  let latest = options.refreshToken;
  let spent = false;
  return withGrantKeys("refresh_token", options, {
    interactive: true,
    async token(request: GrantRequestOptions = {}): Promise<Token> {
      if (spent) {
        throw new OAuthError({
          error: "invalid_grant",
          errorDescription:
            "the refresh token was rejected and there is no other way to get a token; log in again",
          context: "token refresh",
        });
      }
      try {
        const token = await refreshWith(options, latest, request);
        latest = token.refreshToken ?? latest;
        return token;
      } catch (error) {
        if (error instanceof OAuthError && error.error === "invalid_grant") spent = true;
        throw error;
      }
    },
    async refresh(token: Token, request: GrantRequestOptions = {}): Promise<Token> {
      const next = await refreshWith(
        options,
        token.refreshToken ?? latest,
        request,
        token.accessToken,
      );
      latest = next.refreshToken ?? latest;
      return next;
    },
  });
}
