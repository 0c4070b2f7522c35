/**
 * @badgateway/oauth2-client in `bench/compare.ts`: `OAuth2Fetch` with `getNewToken` doing the client
 * credentials grant. Run as the main module, it is the cold-start program (see `_client.ts`).
 *
 * @module
 */

import { OAuth2Client, OAuth2Fetch } from "npm:@badgateway/oauth2-client@^3.3.1";
import { CLIENT_ID, CLIENT_SECRET, coldRun, type CreateClient } from "./_client.ts";

/** One OAuth2Fetch for the server at `base`. */
export const create: CreateClient = (base) => {
  const client = new OAuth2Client({
    server: base,
    tokenEndpoint: `${base}/token`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    authenticationMethod: "client_secret_basic",
  });
  const wrapper = new OAuth2Fetch({ client, getNewToken: () => client.clientCredentials() });
  return (url) => wrapper.fetch(url);
};

if (import.meta.main) await coldRun(create);
