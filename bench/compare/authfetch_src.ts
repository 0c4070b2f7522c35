/**
 * The authfetch client of `bench/compare.ts` run from the TypeScript sources (`mod.ts`) instead of
 * the package's entry (`dist/`, see scripts/build.ts): the cold-start row that shows what the build
 * saves. Run as the main module, it is the cold-start program (see `_client.ts`).
 *
 * @module
 */

import * as sources from "../../mod.ts";
import { coldRun, type CreateClient } from "./_client.ts";
import { clientOf } from "./_authfetch_client.ts";

/** One authfetch client, from the sources, for the server at `base`. */
export const create: CreateClient = clientOf(sources);

if (import.meta.main) await coldRun(create);
