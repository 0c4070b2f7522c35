/**
 * authfetch: authenticated `fetch` for OAuth 2 and JWT APIs.
 *
 * A pipeline of small handlers (`(request, next) => Promise<Response>`) built with
 * {@linkcode createFetch}: {@linkcode auth} attaches a token from a {@linkcode TokenSource} and refreshes
 * once on a 401, {@linkcode retry} retries with backoff, {@linkcode timeout} limits each attempt. Token
 * sources cache tokens, refresh them ahead of expiry, and make any number of concurrent callers cause one
 * token request. Grants obtain tokens: client credentials, password, refresh token, existing token, and
 * more. The core uses only web-platform APIs and runs on Deno, Deno Deploy, Bun and Node.
 *
 * @example
 * ```ts
 * import { auth, clientCredentials, createFetch, retry, tokenSource } from "@authfetch/authfetch";
 *
 * const tokens = tokenSource(clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-service",
 *   clientSecret: "s3cret",
 *   scope: "orders:read",
 * }));
 * const api = createFetch([retry(), auth(tokens)], { baseUrl: "https://api.example.com/v1/" });
 * // const orders = await (await api("orders")).json();
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
  safeUrl,
} from "./src/pipeline.ts";
export { derive, replay } from "./src/replay.ts";
export { redirectedFrom } from "./src/request_source.ts";
export { auth, type AuthOptions } from "./src/handlers/auth.ts";
export { isTokenRejection, refreshOn401 } from "./src/handlers/refresh_on_401.ts";
export { apiKey, type ApiKeyOptions } from "./src/handlers/api_key.ts";
export { retry, type RetryEvent, type RetryOptions } from "./src/handlers/retry.ts";
export { parseRetryAfter } from "./src/handlers/retry_after.ts";
export { timeout, type TimeoutOptions } from "./src/handlers/timeout.ts";
export { isLoopback, originPolicy, type OriginsOption } from "./src/handlers/origins.ts";
export { type Challenge, parseWwwAuthenticate } from "./src/handlers/www_authenticate.ts";
export {
  authorizationHeader,
  jwtTimes,
  MAX_REFRESH_SHARE,
  refreshAt,
  type Token,
  tokenFromResponse,
  type TokenFromResponseOptions,
} from "./src/tokens/token.ts";
export {
  type GetTokenOptions,
  type Grant,
  type GrantRequestOptions,
  type ManagedTokenSource,
  type TokenChallenge,
  type TokenSource,
  tokenSource,
  type TokenSourceOptions,
} from "./src/tokens/source.ts";
export {
  type Lease,
  MemoryStore,
  type MemoryStoreOptions,
  type TokenStore,
} from "./src/tokens/store.ts";
export {
  type EndpointOptions,
  type FormParams,
  type FormRequest,
  type GrantOptions,
  requestToken,
} from "./src/oauth/token_request.ts";
export { type FormResponse, postForm } from "./src/oauth/post_form.ts";
export { type ClientAuthMethod, type ClientCredentialsOptions } from "./src/oauth/client_auth.ts";
export {
  clientCredentials,
  type ClientCredentialsGrantOptions,
} from "./src/grants/client_credentials.ts";
export { password, type PasswordGrantOptions } from "./src/grants/password.ts";
export { refreshToken, type RefreshTokenGrantOptions } from "./src/grants/refresh_token.ts";
export { existingToken, type ExistingTokenOptions } from "./src/grants/existing_token.ts";
export {
  type JwtAssertionOptions,
  jwtBearer,
  type JwtBearerGrantOptions,
} from "./src/grants/jwt_bearer.ts";
export {
  type ExchangedToken,
  tokenExchange,
  type TokenExchangeGrantOptions,
} from "./src/grants/token_exchange.ts";
export { jsonLogin, type JsonLoginGrant, type JsonLoginOptions } from "./src/grants/json_login.ts";
export { DPoPKey, dpopKey, type DPoPKeyOptions, type DPoPProofOptions } from "./src/oauth/dpop.ts";
export {
  type AuthorizationServerMetadata,
  discover,
  type DiscoverOptions,
} from "./src/oauth/discovery.ts";
export {
  canonicalResource,
  discoverResource,
  type DiscoverResourceOptions,
  type ProtectedResourceMetadata,
  type ResourceChallenge,
  resourceChallenge,
  resourceCovers,
  type ResourceDiscovery,
} from "./src/oauth/resource_metadata.ts";
export {
  type ClientMetadata,
  registerClient,
  type RegisterClientOptions,
  type RegisteredClient,
} from "./src/oauth/registration.ts";
export {
  protectedResource,
  type ProtectedResourceOptions,
  type ProtectedResourceSource,
} from "./src/tokens/protected_resource.ts";
export {
  type BrowserLogin,
  type ClientCredentialsLogin,
  type CustomLogin,
  type DeviceLogin,
  type LoginContext,
  type ResourceLogin,
} from "./src/tokens/resource_login.ts";
export { type ResolvedClient } from "./src/tokens/client_registry.ts";
export {
  authorizationCode,
  type AuthorizationCodeFlow,
  type AuthorizationCodeOptions,
  type AuthorizationCodeToken,
  type AuthorizationFinishOptions,
  type AuthorizationRequest,
  type AuthorizationStartOptions,
} from "./src/grants/authorization_code.ts";
export {
  deviceCode,
  type DeviceCodeOptions,
  type DevicePollProgress,
  type DevicePrompt,
} from "./src/grants/device_code.ts";
export { codeChallengeS256, generateCodeVerifier } from "./src/oauth/pkce.ts";
export {
  randomState,
  type SignedStateOptions,
  signState,
  type StateKey,
  type StatePayload,
  timingSafeEqual,
  verifyState,
} from "./src/oauth/state.ts";
export {
  type IdTokenClaims,
  type IdTokenValidationOptions,
  validateIdToken,
} from "./src/oauth/id_token.ts";
export { revoke, type RevokeOptions } from "./src/oauth/revoke.ts";
export {
  introspect,
  type IntrospectionResult,
  type IntrospectOptions,
} from "./src/oauth/introspect.ts";
export {
  AuthFetchError,
  type AuthFetchErrorCode,
  type AuthFetchErrorOptions,
  IdTokenError,
  OAuthError,
  type OAuthErrorInit,
  StateError,
  TimeoutError,
  TokenResponseError,
  WITHHELD_ERROR,
} from "./src/errors.ts";
export { excerpt, isSecretKey, REDACTED, redactObject, redactText } from "./src/redact.ts";
export { Secrets } from "./src/secrets.ts";
