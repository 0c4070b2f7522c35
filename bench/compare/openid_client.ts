/**
 * openid-client 6 in `bench/compare.ts`: `clientCredentialsGrant` for the token and
 * `fetchProtectedResource` for API calls. openid-client has no token cache, so this keeps the token
 * until a minute before it expires and shares one grant between concurrent callers, as an application
 * would. Run as the main module, it is the cold-start program (see `_client.ts`).
 *
 * @module
 */

import * as oidc from "npm:openid-client@^6.9.0";
import { CLIENT_ID, CLIENT_SECRET, coldRun, type CreateClient } from "./_client.ts";

/** One openid-client configuration and token cache for the server at `base`. */
export const create: CreateClient = (base) => {
  const config = new oidc.Configuration(
    { issuer: base, token_endpoint: `${base}/token` },
    CLIENT_ID,
    CLIENT_SECRET,
  );
  oidc.allowInsecureRequests(config); // the bench server is plain http on loopback
  let token: { value: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const accessToken = (): Promise<string> => {
    if (token !== undefined && token.expiresAt > Date.now()) return Promise.resolve(token.value);
    return pending ??= oidc.clientCredentialsGrant(config).then((response) => {
      const lifetime = response.expiresIn() ?? 3600;
      token = { value: response.access_token, expiresAt: Date.now() + (lifetime - 60) * 1000 };
      return response.access_token;
    }).finally(() => pending = undefined);
  };
  return async (url) =>
    oidc.fetchProtectedResource(config, await accessToken(), new URL(url), "GET");
};

if (import.meta.main) await coldRun(create);
