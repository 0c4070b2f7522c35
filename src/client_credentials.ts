/**
 * The client-credentials path on its own: the pipeline, `auth()`, `retry()`, `tokenSource()` and the
 * `clientCredentials()` grant, the same functions `@authfetch/authfetch` exports, for edge functions
 * and command-line tools, which pay for their start-up on every cold call.
 *
 * A bundler loads no more than this path needs: the error classes, redaction, the retry loop and
 * everything else a successful call never runs are loaded with `import()` when they are first needed.
 * Importing any of them from `@authfetch/authfetch` is fine (it is the same module, so `instanceof`
 * holds); only that import brings them into the first download.
 *
 * @example
 * ```ts
 * import {
 *   auth,
 *   clientCredentials,
 *   createFetch,
 *   retry,
 *   tokenSource,
 * } from "@authfetch/authfetch/client-credentials";
 *
 * const grant = clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "svc",
 *   clientSecret: "s3cret",
 * });
 * const api = createFetch([retry(), auth(tokenSource(grant))]);
 * // const orders = await (await api("https://api.example.com/orders")).json();
 * ```
 *
 * @module
 */

export {
  compose,
  createFetch,
  type CreateFetchOptions,
  type Fetch,
  type Handler,
  type Next,
} from "./pipeline.ts";
export { auth, type AuthOptions } from "./handlers/auth.ts";
export type { OriginsOption } from "./handlers/origins.ts";
export type { DPoPKey, DPoPProofOptions } from "./oauth/dpop.ts";
export { retry, type RetryEvent, type RetryOptions } from "./handlers/retry.ts";
export {
  type GetTokenOptions,
  type Grant,
  type GrantRequestOptions,
  type ManagedTokenSource,
  type TokenChallenge,
  type TokenSource,
  tokenSource,
  type TokenSourceOptions,
} from "./tokens/source.ts";
export type { Token } from "./tokens/token.ts";
export type { Lease, TokenStore } from "./tokens/store.ts";
export type { EndpointOptions, GrantOptions } from "./oauth/token_request.ts";
export type { ClientAuthMethod, ClientCredentialsOptions } from "./oauth/client_auth.ts";
export {
  clientCredentials,
  type ClientCredentialsGrantOptions,
} from "./grants/client_credentials.ts";
