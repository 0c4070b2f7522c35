/**
 * The authfetch client of `bench/compare.ts` run from the TypeScript sources (`mod.ts`) instead of
 * the package's entry (`dist/`, see scripts/build.ts): the cold-start row that shows what the build
 * saves. Run as the main module, it is the cold-start program (see `_client.ts`).
 *
 * @module
 */

import { auth, clientCredentials, createFetch, retry, tokenSource } from "../../mod.ts";
import { CLIENT_ID, CLIENT_SECRET, coldRun, type CreateClient } from "./_client.ts";

/** One authfetch client, from the sources, for the server at `base`. */
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
