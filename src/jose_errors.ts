/**
 * jose's error classes, for telling why a verification failed (ID tokens, signed states): loaded
 * with the first failure, as jose's `errors` namespace. Apart from `lazy_jose.ts` because the
 * client-credentials path reaches that module: a bundler builds a namespace like this one with a
 * helper (esbuild's `__export`) that it puts in a chunk every entry point imports (see
 * `jose_api.ts`), so only modules that path never reaches may load it.
 *
 * @module
 */

/** jose's error classes. */
export type JoseErrors = typeof import("jose").errors;

/**
 * jose's error classes.
 *
 * @returns The `errors` namespace.
 */
export async function loadJoseErrors(): Promise<JoseErrors> {
  return (await import("jose")).errors;
}
