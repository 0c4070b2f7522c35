/**
 * The authfetch client of {@linkcode ./authfetch.ts}, imported from the package's client-credentials
 * entry point (`@authfetch/authfetch/client-credentials`, which runs `dist/src/client_credentials.js`):
 * what an edge function that needs no other part of the library loads.
 *
 * @module
 */

import * as authfetch from "@authfetch/authfetch/client-credentials";
import { coldRun, type CreateClient } from "./_client.ts";
import { clientOf } from "./_authfetch_client.ts";

/** Builds the client: `createFetch([retry(), auth(tokenSource(clientCredentials(…)))])`. */
export const create: CreateClient = clientOf(authfetch);

if (import.meta.main) await coldRun(create);
