/**
 * Starting from an access token you already have.
 *
 * @module
 */

import { AuthFetchError } from "../errors.ts";
import type { Grant, GrantRequestOptions } from "../tokens/source.ts";
import { jwtTimes, type Token } from "../tokens/token.ts";
import type { GrantOptions } from "../oauth/token_request.ts";
import { refreshWith } from "./_refresh.ts";

/**
 * Options of {@linkcode existingToken}.
 *
 * @example
 * ```ts
 * import { existingToken, type ExistingTokenOptions } from "@authfetch/authfetch";
 * const options: ExistingTokenOptions = {
 *   accessToken: "abc",
 *   refreshToken: "def",
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-app",
 * };
 * const grant = existingToken(options);
 * ```
 */
export interface ExistingTokenOptions extends Partial<GrantOptions> {
  /** The access token. */
  accessToken: string;
  /** Its type. @default "Bearer" */
  tokenType?: string;
  /** A refresh token to renew with (needs `tokenUrl` or `issuer`). @default undefined */
  refreshToken?: string;
  /** Expiry, epoch ms. @default the JWT `exp` claim when the token is a JWT, else unknown */
  expiresAt?: number;
  /**
   * How to renew when there is no refresh token (or it is rejected), e.g. a password or JSON login grant.
   * @default undefined: the token is used until it expires or is rejected
   */
  fallback?: Grant;
}

/**
 * "Log in with the token I already have": a grant that hands out a known access token, and renews it
 * with its refresh token (when given with a token endpoint) or with a `fallback` grant.
 *
 * @param options The token, optional refresh token and expiry, and how to renew.
 * @returns The grant, for {@linkcode tokenSource}.
 * @throws {TypeError} When a refresh token is given with no token endpoint (nor a fallback grant) to use it.
 * @throws {AuthFetchError} (code `token_unavailable`, from `token()`) when the token has expired and there
 * is no way to renew it.
 * @example
 * ```ts
 * import { existingToken, tokenSource } from "@authfetch/authfetch";
 * const tokens = tokenSource(existingToken({ accessToken: "eyJ...", tokenType: "Bearer" }));
 * ```
 */
export function existingToken(options: ExistingTokenOptions): Grant {
  const times = options.expiresAt === undefined ? jwtTimes(options.accessToken) : {};
  const initial: Token = {
    accessToken: options.accessToken,
    tokenType: options.tokenType ?? "Bearer",
  };
  const expiresAt = options.expiresAt ?? times.exp;
  if (expiresAt !== undefined) initial.expiresAt = expiresAt;
  if (times.iat !== undefined) initial.issuedAt = times.iat;
  if (options.refreshToken !== undefined) initial.refreshToken = options.refreshToken;
  const canRefresh = options.refreshToken !== undefined &&
    (options.tokenUrl !== undefined || options.issuer !== undefined);
  if (
    options.refreshToken !== undefined && !canRefresh && options.fallback?.refresh === undefined
  ) {
    throw new TypeError(
      "Cannot use the refresh token given to existingToken(): there is no tokenUrl or issuer to send it " +
        "to (and no fallback grant that refreshes); give one, or leave the refresh token out",
    );
  }
  let handedOut = false;
  const now = options.now ?? Date.now;
  return {
    key: options.fallback?.key,
    legacyKey: options.fallback?.legacyKey,
    interactive: options.fallback === undefined ? true : options.fallback.interactive,
    async token(request: GrantRequestOptions = {}): Promise<Token> {
      const usable = initial.expiresAt === undefined || now() < initial.expiresAt;
      if (!handedOut && usable) {
        handedOut = true;
        return { ...initial };
      }
      if (canRefresh && !handedOut) {
        handedOut = true;
        return await refreshWith(options as GrantOptions, options.refreshToken!, request);
      }
      if (options.fallback) return await options.fallback.token(request);
      if (usable) return { ...initial };
      throw new AuthFetchError(
        "token_unavailable",
        "The access token given to existingToken() has expired or was rejected, and there is no refresh token " +
          "with a tokenUrl and no fallback grant to get another",
      );
    },
    async refresh(token: Token, request: GrantRequestOptions = {}): Promise<Token> {
      if (token.refreshToken !== undefined && canRefresh) {
        return await refreshWith(
          options as GrantOptions,
          token.refreshToken,
          request,
          token.accessToken,
        );
      }
      if (options.fallback?.refresh && token.refreshToken !== undefined) {
        return await options.fallback.refresh(token, request);
      }
      return await this.token(request);
    },
  };
}
