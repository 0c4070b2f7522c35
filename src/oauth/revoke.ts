/**
 * Token revocation (RFC 7009).
 *
 * @module
 */

import { TokenResponseError } from "../errors.ts";
import { type EndpointOptions, resolveEndpoint } from "./token_request.ts";
import { postForm } from "./post_form.ts";
import type { Token } from "../tokens/token.ts";

/**
 * Options of {@linkcode revoke}.
 *
 * @example
 * ```ts
 * import { revoke, type RevokeOptions } from "@authfetch/authfetch";
 * const options: RevokeOptions = {
 *   issuer: "https://auth.example.com",
 *   clientId: "my-app",
 *   token: { accessToken: "abc", tokenType: "Bearer", refreshToken: "def" }, // revokes "def"
 * };
 * // await revoke(options);
 * ```
 */
export interface RevokeOptions extends EndpointOptions {
  /**
   * The token to revoke: a string, or a {@linkcode Token} (its refresh token when it has one, which
   * also ends the access tokens issued with it at most servers, else its access token).
   */
  token: string | Token;
  /** `token_type_hint`. @default "refresh_token" for a Token with one, "access_token" for a Token without, else none */
  tokenTypeHint?: "access_token" | "refresh_token" | (string & Record<never, never>);
  /** The revocation endpoint. @default the issuer's `revocation_endpoint`, by discovery */
  revocationUrl?: string | URL;
  /** Aborts the request. @default undefined */
  signal?: AbortSignal;
}

/**
 * Revokes a token at the authorization server (RFC 7009), authenticating the client like the token
 * endpoint does. Any 2xx counts as success, with or without a body; the server also answers 200 for a
 * token that was already invalid.
 *
 * @param options The token, the endpoint (or issuer) and client credentials.
 * @returns When the server has accepted the revocation.
 * @throws {OAuthError} When the server answers an OAuth error (`unsupported_token_type`, `invalid_client`…).
 * @throws {TokenResponseError} On a redirect, a network error, or an error status without an OAuth error.
 * @throws {TypeError} When there is no endpoint to use.
 * @example
 * ```ts
 * import { revoke } from "@authfetch/authfetch";
 * // await revoke({
 * //   issuer: "https://auth.example.com",
 * //   clientId: "cli",
 * //   token: refreshTokenToForget,
 * //   tokenTypeHint: "refresh_token",
 * // });
 * ```
 */
export async function revoke(options: RevokeOptions): Promise<void> {
  const { token, hint } = pick(options.token, options.tokenTypeHint);
  const url = await resolveEndpoint(options, "revocation_endpoint", options.revocationUrl);
  try {
    await postForm(options, url, { token, token_type_hint: hint }, {
      signal: options.signal,
      context: "token revocation",
      allowEmpty: true,
    });
  } catch (error) {
    // RFC 7009 §2.2: the content of a 200 is ignored, whatever it is.
    const status = (error as TokenResponseError).status;
    if (
      error instanceof TokenResponseError && status !== undefined && status >= 200 && status < 300
    ) {
      return;
    }
    throw error;
  }
}

function pick(
  token: string | Token,
  hint: string | undefined,
): { token: string; hint?: string } {
  if (typeof token === "string") {
    if (token === "") throw new TypeError("Cannot revoke: token is empty");
    return { token, hint };
  }
  if (token.refreshToken !== undefined) {
    return { token: token.refreshToken, hint: hint ?? "refresh_token" };
  }
  return { token: token.accessToken, hint: hint ?? "access_token" };
}
