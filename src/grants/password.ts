/**
 * The resource owner password credentials grant (RFC 6749 §4.3).
 *
 * @module
 */

import type { Grant, GrantRequestOptions } from "../tokens/source.ts";
import type { Token } from "../tokens/token.ts";
import {
  detachedCall,
  type GrantOptions,
  grantOptions,
  requestToken,
  scopeString,
  withGrantKeys,
} from "../oauth/token_request.ts";
import { refreshWith } from "./_refresh.ts";

/**
 * Options of {@linkcode password}.
 *
 * @example
 * ```ts
 * import { password, type PasswordGrantOptions } from "@authfetch/authfetch";
 * const options: PasswordGrantOptions = {
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "legacy-app",
 *   username: "alice",
 *   password: "correct horse battery staple",
 * };
 * const grant = password(options);
 * ```
 */
export interface PasswordGrantOptions extends GrantOptions {
  /** The resource owner's user name. */
  username: string;
  /** The resource owner's password; never logged. */
  password: string;
}

/**
 * The password grant (legacy, but still what many first-party APIs offer): logs in with a user name and
 * password, then renews with the refresh token; logs in again if the refresh token is rejected.
 *
 * @param options Token endpoint, client credentials, user name and password.
 * @returns The grant, for {@linkcode tokenSource}.
 * @example
 * ```ts
 * import { password, tokenSource } from "@authfetch/authfetch";
 * const tokens = tokenSource(password({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "app",
 *   clientSecret: "app-secret",
 *   clientAuth: "client_secret_basic",
 *   username: "alice",
 *   password: "correct horse battery staple",
 * }));
 * ```
 */
export function password(options: PasswordGrantOptions): Grant {
  return withGrantKeys("password", { ...options, subject: options.username }, PASSWORD);
}

/**
 * The methods every password grant shares: they read the grant's options from the grant
 * (`grantOptions(this)`), so a grant holds no closures of its own.
 */
const PASSWORD = {
  token(this: Grant, request: GrantRequestOptions = {}): Promise<Token> {
    const options = grantOptions(this) as PasswordGrantOptions | undefined;
    if (options === undefined) return detachedCall("token");
    return requestToken(options, {
      grant_type: "password",
      username: options.username,
      password: options.password,
      scope: scopeString(options.scope),
      audience: options.audience,
      resource: options.resource,
    }, request);
  },
  refresh(this: Grant, token: Token, request: GrantRequestOptions = {}): Promise<Token> {
    const options = grantOptions(this);
    if (options === undefined) return detachedCall("refresh");
    return refreshWith(options, token.refreshToken!, request, token.accessToken);
  },
};
