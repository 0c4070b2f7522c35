/**
 * The ways {@linkcode protectedResource} signs in once it has found the authorization server: a person in
 * a browser (authorization code + PKCE), a person on another device (device flow), a service
 * (client credentials), or a callback of the caller's own.
 *
 * @module
 */

import { AuthFetchError } from "../errors.ts";
import { authorizationCode } from "../grants/authorization_code.ts";
import { clientCredentials } from "../grants/client_credentials.ts";
import { deviceCode, type DevicePrompt } from "../grants/device_code.ts";
import type { ClientAuthMethod } from "../oauth/client_auth.ts";
import type { AuthorizationServerMetadata } from "../oauth/discovery.ts";
import type { Fetch } from "../pipeline.ts";
import type { ResolvedClient } from "./client_registry.ts";
import type { Token } from "./token.ts";

/**
 * A person signs in with a browser: authorization code with PKCE S256. `authorize` gets the authorization
 * URL (open it, or drive it) and returns the URL the browser was sent back to at `redirectUri`.
 *
 * @example
 * ```ts
 * import type { BrowserLogin } from "@authfetch/authfetch";
 * const login: BrowserLogin = {
 *   kind: "browser",
 *   redirectUri: "http://127.0.0.1:8765/callback",
 *   authorize: async (url) => {
 *     console.log(`Open ${url}`);
 *     return await Promise.resolve("http://127.0.0.1:8765/callback?code=…&state=…");
 *   },
 * };
 * ```
 */
export interface BrowserLogin {
  /** The kind. */
  kind: "browser";
  /** Where the authorization server sends the browser back; registered with the client. */
  redirectUri: string | URL;
  /**
   * Shows `url` to the person and resolves with the callback URL (or its query) once they are back.
   *
   * @param url The authorization URL.
   * @param options The signal to stop waiting.
   * @returns The callback URL.
   */
  authorize(
    url: URL,
    options: { signal?: AbortSignal },
  ): Promise<string | URL | URLSearchParams>;
}

/**
 * A person signs in on another device (RFC 8628).
 *
 * @example
 * ```ts
 * import type { DeviceLogin } from "@authfetch/authfetch";
 * const login: DeviceLogin = {
 *   kind: "device",
 *   onPrompt: ({ verificationUri, userCode }) => console.log(`Visit ${verificationUri}, code ${userCode}`),
 * };
 * ```
 */
export interface DeviceLogin {
  /** The kind. */
  kind: "device";
  /** Shows the user code and verification URI. */
  onPrompt: (prompt: DevicePrompt) => void | Promise<void>;
  /** Waits between polls (tests inject a fake). @default a cancellable setTimeout */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * A service signs in as itself: client credentials with a secret or a private key (`private_key_jwt`,
 * whose assertion audience is the issuer).
 *
 * @example
 * ```ts
 * import type { ClientCredentialsLogin } from "@authfetch/authfetch";
 * const login: ClientCredentialsLogin = { kind: "client_credentials", clientId: "svc", clientSecret: "s3cret" };
 * ```
 */
export interface ClientCredentialsLogin {
  /** The kind. */
  kind: "client_credentials";
  /** The client id. */
  clientId: string;
  /** The client secret. @default undefined */
  clientSecret?: string;
  /** A private key for `private_key_jwt`. @default undefined */
  privateKey?: CryptoKey | JsonWebKey;
  /** The `kid` of the private key. @default undefined */
  keyId?: string;
  /** The JWS algorithm of the assertion. @default from the key */
  algorithm?: string;
  /** The client authentication method. @default from the credentials given */
  clientAuth?: ClientAuthMethod;
}

/**
 * What a {@linkcode CustomLogin} is given.
 *
 * @example
 * ```ts
 * import type { LoginContext } from "@authfetch/authfetch";
 * function tokenUrlOf(context: LoginContext): string | undefined {
 *   return context.authorizationServer.token_endpoint;
 * }
 * ```
 */
export interface LoginContext {
  /** The resource's canonical URI (send it as `resource`). */
  resource: string;
  /** The authorization server's issuer. */
  issuer: string;
  /** Its metadata. */
  authorizationServer: AuthorizationServerMetadata;
  /** The scope to ask for, if any. */
  scope?: string;
  /** The pre-registered client, if one was given. */
  client?: ResolvedClient;
  /** The fetch for token requests. */
  fetch?: Fetch;
  /** Aborts the login. */
  signal?: AbortSignal;
}

/**
 * Any other way to get a token for the resource (token exchange, JWT bearer, …).
 *
 * @example
 * ```ts
 * import type { CustomLogin } from "@authfetch/authfetch";
 * const login: CustomLogin = {
 *   kind: "custom",
 *   token: () => Promise.resolve({ accessToken: "abc", tokenType: "Bearer" }),
 * };
 * ```
 */
export interface CustomLogin {
  /** The kind. */
  kind: "custom";
  /**
   * Obtains a token.
   *
   * @param context The resource, server, scope and client.
   * @returns The token.
   */
  token(context: LoginContext): Promise<Token>;
}

/**
 * How {@linkcode protectedResource} signs in.
 *
 * @example
 * ```ts
 * import type { ResourceLogin } from "@authfetch/authfetch";
 * const login: ResourceLogin = { kind: "device", onPrompt: (p) => console.log(p.verificationUri) };
 * ```
 */
export type ResourceLogin = BrowserLogin | DeviceLogin | ClientCredentialsLogin | CustomLogin;

/** Everything one login needs. */
export interface LoginRun {
  login: ResourceLogin;
  resource: string;
  issuer: string;
  server: AuthorizationServerMetadata;
  /** The issuer is verified (RFC 9207 `iss` and ID tokens can be checked against it). */
  verifiedIssuer: boolean;
  client?: ResolvedClient;
  scope?: string;
  params: Record<string, string>;
  fetch?: Fetch;
  allowInsecureHttp?: boolean;
  signal?: AbortSignal;
}

/**
 * Runs a login.
 *
 * @param run What the login needs.
 * @returns The token, its `scope` set to what was asked for when the server did not say.
 */
export async function runLogin(run: LoginRun): Promise<Token> {
  const token = await obtain(run);
  if (token.scope === undefined && run.scope !== undefined) token.scope = run.scope;
  return token;
}

function obtain(run: LoginRun): Promise<Token> {
  const { login, server, client } = run;
  const common = {
    tokenUrl: endpoint(server, "token_endpoint"),
    resource: run.resource,
    scope: run.scope,
    fetch: run.fetch,
    allowInsecureHttp: run.allowInsecureHttp,
  };
  switch (login.kind) {
    case "browser":
      return browser(run, login, common.tokenUrl);
    case "device":
      return deviceCode({
        ...common,
        ...client!,
        deviceAuthorizationUrl: endpoint(server, "device_authorization_endpoint"),
        onPrompt: login.onPrompt,
        sleep: login.sleep,
      }).token({ signal: run.signal });
    case "client_credentials":
      return clientCredentials({
        ...common,
        ...client!,
        assertionAudience: run.issuer,
      }).token({ signal: run.signal });
    case "custom":
      return login.token({
        resource: run.resource,
        issuer: run.issuer,
        authorizationServer: server,
        scope: run.scope,
        client,
        fetch: run.fetch,
        signal: run.signal,
      });
  }
}

async function browser(run: LoginRun, login: BrowserLogin, tokenUrl: string): Promise<Token> {
  const flow = authorizationCode({
    ...run.client!,
    issuer: run.verifiedIssuer ? run.issuer : undefined,
    authorizationUrl: endpoint(run.server, "authorization_endpoint"),
    tokenUrl,
    redirectUri: login.redirectUri,
    resource: run.resource,
    scope: run.scope,
    fetch: run.fetch,
    allowInsecureHttp: run.allowInsecureHttp,
    idTokenValidation: run.verifiedIssuer ? undefined : false,
  });
  const started = await flow.start({ scope: run.scope, params: run.params, signal: run.signal });
  const callback = await login.authorize(started.url, { signal: run.signal });
  return await flow.finish(callback, {
    state: started.state,
    codeVerifier: started.codeVerifier,
    nonce: started.nonce,
    redirectUri: started.redirectUri,
    signal: run.signal,
  });
}

function endpoint(server: AuthorizationServerMetadata, name: string): string {
  const value = server[name];
  if (typeof value !== "string") {
    throw new AuthFetchError(
      "discovery_error",
      `The authorization server ${server.issuer} advertises no ${name}, which this login needs`,
    );
  }
  return value;
}
