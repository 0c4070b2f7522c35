/**
 * The client credentials grant (RFC 6749 §4.4).
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

/**
 * Options of {@linkcode clientCredentials}.
 *
 * @example
 * ```ts
 * import { clientCredentials, type ClientCredentialsGrantOptions } from "@authfetch/authfetch";
 * const options: ClientCredentialsGrantOptions = {
 *   issuer: "https://auth.example.com", // token endpoint found by discovery
 *   clientId: "my-service",
 *   clientSecret: "s3cret",
 *   scope: "api:read",
 * };
 * const grant = clientCredentials(options);
 * ```
 */
export type ClientCredentialsGrantOptions = GrantOptions;

/**
 * The client credentials grant, for services calling APIs as themselves. It has no refresh token: a new
 * token is requested when the old one nears expiry.
 *
 * @param options Token endpoint, client credentials, scope, audience, resource.
 * @returns The grant, for {@linkcode tokenSource}.
 * @example
 * ```ts
 * import { auth, clientCredentials, createFetch, tokenSource } from "@authfetch/authfetch";
 * const grant = clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "svc",
 *   clientSecret: "s3cret",
 *   scope: ["orders:read"],
 *   retry: { retries: 5 },
 * });
 * const api = createFetch([auth(tokenSource(grant))]);
 * ```
 */
export function clientCredentials(options: ClientCredentialsGrantOptions): Grant {
  return withGrantKeys("client_credentials", options, CLIENT_CREDENTIALS);
}

/**
 * The methods every client credentials grant shares: they read the grant's options from the grant
 * (`grantOptions(this)`), so a grant holds no closure of its own.
 */
const CLIENT_CREDENTIALS = {
  token(this: Grant, request: GrantRequestOptions = {}): Promise<Token> {
    const options: GrantOptions | undefined = grantOptions(this);
    if (options === undefined) return detachedCall("token");
    return requestToken(options, {
      grant_type: "client_credentials",
      scope: scopeString(options.scope),
      audience: options.audience,
      resource: options.resource,
    }, request);
  },
};
