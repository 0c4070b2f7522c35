/**
 * The CLI's version. JSR packages cannot read `deno.json` at run time, so it is kept here; a test
 * checks that it equals the `version` in `deno.json`.
 *
 * @module
 */

/**
 * The version of authfetch this CLI belongs to.
 *
 * @example
 * ```ts
 * import { VERSION } from "@authfetch/authfetch/cli";
 * console.log(`authfetch ${VERSION}`); // "authfetch 0.1.0"
 * ```
 */
export const VERSION = "0.1.0";
