/**
 * authfetch in `bench/compare.ts`: `createFetch([retry(), auth(tokenSource(clientCredentials(…)))])`,
 * imported as a user imports it (`@authfetch/authfetch`: the built `dist/mod.js`).
 * Run as the main module, it is the cold-start program (see `_client.ts`).
 *
 * @module
 */

import { auth, clientCredentials, createFetch, retry, tokenSource } from "@authfetch/authfetch";
import { CLIENT_ID, CLIENT_SECRET, coldRun, type CreateClient } from "./_client.ts";

/** One authfetch client for the server at `base`. */
export const create: CreateClient = (base) => {
  const tokens = tokenSource(clientCredentials({
    tokenUrl: `${base}/token`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  }));
  const api = createFetch([retry(), auth(tokens)]);
  return (url) => api(url);
};

if (import.meta.main) await coldRun(create);
