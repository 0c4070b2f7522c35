/**
 * authfetch in `bench/compare.ts`: `createFetch([retry(), auth(tokenSource(clientCredentials(…)))])`,
 * imported as a user imports it (`@authfetch/authfetch`: the built `dist/mod.js`).
 * Run as the main module, it is the cold-start program (see `_client.ts`).
 *
 * @module
 */

import * as authfetch from "@authfetch/authfetch";
import { coldRun, type CreateClient } from "./_client.ts";
import { clientOf } from "./_authfetch_client.ts";

/** One authfetch client for the server at `base`. */
export const create: CreateClient = clientOf(authfetch);

if (import.meta.main) await coldRun(create);
