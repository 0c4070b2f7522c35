/**
 * jose, loaded on first use: only code that signs or verifies a JWT (client assertions, DPoP proofs,
 * ID tokens, signed states, JWT bearer assertions) calls {@linkcode loadJose}, so a process that only
 * uses client secrets, passwords or refresh tokens never evaluates jose, and a bundle keeps it in a
 * chunk of its own.
 *
 * @module
 */

/** The jose functions this library calls (`jose_api.ts`). */
export type Jose = typeof import("./jose_api.ts");

let loading: Promise<Jose> | undefined;

/**
 * The jose functions this library calls, imported once; every caller shares the same promise. A
 * failed import is not cached, so a later call tries again.
 *
 * @returns The module.
 */
export function loadJose(): Promise<Jose> {
  loading ??= import("./jose_api.ts").catch((error) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
