/**
 * The code a successful client-credentials call never runs, in one module that its users load with
 * `import()`:
 *
 * - the store and lease half of token sources;
 * - JWT client assertions;
 * - how `auth()` answers sign-in challenges (step-up) and sends DPoP-bound tokens;
 * - fetching an issuer's metadata (discovery);
 * - following a redirect;
 * - reading a body of unknown length, or a compressed one;
 * - reading a JWT access token's `exp` for a token response that states no lifetime;
 * - retrying endpoint requests (the `retry` option of grants and endpoint calls);
 * - the errors of a failed exchange with an authorization server.
 *
 * One module rather than one per feature: a bundler's code splitting (esbuild's, in `deno bundle`)
 * makes a chunk for each set of entry points that reach a module, so each further lazy module would
 * split what the common path loads into more files, each compressed on its own. Nothing here may be
 * imported statically by a module `mod.ts` reaches (`tests/lazy_jose_test.ts` checks it).
 *
 * This module imports the modules of the client-credentials path itself, for their place in a bundle
 * only: it is loaded from them, so at run time they are evaluated already and the imports cost
 * nothing, but they make a bundler put the whole path into the one chunk it shares with this module,
 * instead of splitting it into an entry chunk and a shared chunk compressed apart (0.8 KB more gzip
 * for the same code; `bench/bundle_size.ts`).
 *
 * @module
 */

import "./pipeline.ts";
import "./handlers/auth.ts";
import "./handlers/retry.ts";
import "./tokens/source.ts";
import "./grants/client_credentials.ts";

export { StoreRefresh } from "./tokens/store_refresh.ts";
export { storeHost } from "./tokens/store_host.ts";
export { refreshOnce } from "./tokens/source_refresh.ts";
export { assertClient, signingKey } from "./oauth/client_assertion.ts";
export { nonceRetried, signAttempt } from "./oauth/signed_exchange.ts";
export { sendWithChallenges } from "./handlers/step_up.ts";
export { sendBound } from "./handlers/dpop_send.ts";
export { fetchMetadata } from "./oauth/discovery_fetch.ts";
export { discoveredEndpoint } from "./oauth/discovered_endpoint.ts";
export { onBodyEnd } from "./body_deadline.ts";
export { readStream } from "./read_stream.ts";
export { retriedAttempts } from "./oauth/endpoint_retry.ts";
export { followRedirects } from "./redirect.ts";
export { laneAnswered, laneFailed } from "./direct_lane_steps.ts";
export { cleanSendError } from "./platform_error.ts";
export { OAuthError, TimeoutError } from "./errors.ts";
export { refreshRejected } from "./handlers/refresh_on_401.ts";
export { retryFrom } from "./handlers/retry_loop.ts";
export { unfitTokenError } from "./tokens/token.ts";
export { jwtTimes } from "./tokens/jwt_times.ts";
export { detachedCallError } from "./oauth/detached_call.ts";
export {
  bodyError,
  bodyFailure,
  emptyBodyError,
  notJsonError,
  notObjectError,
  oauthError,
  readError,
  readFailure,
  redirectError,
  sendError,
  sendFailure,
  statusError,
  tokenOrError,
  tooLargeError,
} from "./oauth/exchange_errors.ts";
