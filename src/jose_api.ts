/**
 * The jose functions this library calls, imported by name: loaded with `import()` by
 * {@linkcode loadJose} (`lazy_jose.ts`) only, never statically from a module `mod.ts` reaches.
 *
 * By name, not as jose's module namespace: that namespace holds `errors` and `base64url`, namespaces
 * of their own, which a bundler builds with a helper (esbuild's `__export`) that it puts in a chunk
 * every entry point imports, the client-credentials path's first download included. The error
 * classes are loaded apart, by `jose_errors.ts`, when a verification fails.
 *
 * @module
 */

export {
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from "jose";
