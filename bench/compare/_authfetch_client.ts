/**
 * The authfetch client of `bench/compare.ts`, built from whichever copy of the library is given: the
 * package (`authfetch.ts`) or its TypeScript sources (`authfetch_src.ts`). It imports the library's
 * types only, so it loads neither copy itself.
 *
 * @module
 */

import type * as authfetch from "../../mod.ts";
import { CLIENT_ID, CLIENT_SECRET, type CreateClient } from "./_client.ts";

/** What the client needs of the library. */
export type Library = Pick<
  typeof authfetch,
  "auth" | "clientCredentials" | "createFetch" | "retry" | "tokenSource"
>;

/**
 * `createFetch([retry(), auth(tokenSource(clientCredentials(…)))])` from a given copy of the library.
 *
 * @param lib The library.
 * @returns The client factory.
 */
export function clientOf(lib: Library): CreateClient {
  return (base) => {
    const tokens = lib.tokenSource(lib.clientCredentials({
      tokenUrl: `${base}/token`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    }));
    const api = lib.createFetch([lib.retry(), lib.auth(tokens)]);
    return (url) => api(url);
  };
}
