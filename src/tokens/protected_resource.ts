/**
 * {@linkcode protectedResource}: a token source that needs only the API's URL. It discovers the
 * authorization server (RFC 9728, RFC 8414), registers a client when needed (CIMD, RFC 7591), signs in
 * with resource indicators (RFC 8707), and steps up on `insufficient_scope` (RFC 6750) or
 * `insufficient_user_authentication` (RFC 9470).
 *
 * @module
 */

import { AuthFetchError, OAuthError } from "../errors.ts";
import { refreshWith } from "../grants/_refresh.ts";
import { isLoopback } from "../handlers/origins.ts";
import type { ClientCredentialsOptions } from "../oauth/client_auth.ts";
import type { ClientMetadata } from "../oauth/registration.ts";
import {
  canonicalResource,
  discoverResource,
  type ResourceChallenge,
  resourceChallenge,
  resourceCovers,
  type ResourceDiscovery,
} from "../oauth/resource_metadata.ts";
import type { Fetch } from "../pipeline.ts";
import { ClientRegistry, type RegistrationNeeds, type ResolvedClient } from "./client_registry.ts";
import { type ResourceLogin, runLogin } from "./resource_login.ts";
import {
  type GetTokenOptions,
  type Grant,
  type ManagedTokenSource,
  tokenSource,
} from "./source.ts";
import { MemoryStore, type TokenStore } from "./store.ts";
import type { Token } from "./token.ts";

/**
 * Options of {@linkcode protectedResource}.
 *
 * @example
 * ```ts
 * import { MemoryStore, type ProtectedResourceOptions } from "@authfetch/authfetch";
 * const options: ProtectedResourceOptions = {
 *   login: { kind: "device", onPrompt: (p) => console.log(p.verificationUri, p.userCode) },
 *   store: new MemoryStore(),
 * };
 * ```
 */
export interface ProtectedResourceOptions {
  /** How to sign in: a browser, the device flow, client credentials, or a callback. */
  login: ResourceLogin;
  /**
   * Where tokens, registered clients (by issuer) and discovery results are kept; share a file, KV or Redis
   * store between processes so they register once and sign in once. @default a MemoryStore of this source
   */
  store?: TokenStore;
  /** A pre-registered client; used before any other way. @default undefined */
  client?: ClientCredentialsOptions & { clientId: string };
  /**
   * The https URL of this client's OAuth Client ID Metadata Document, used as the `client_id` when the
   * server advertises `client_id_metadata_document_supported`. @default undefined
   */
  clientMetadataUrl?: string;
  /** Extra RFC 7591 metadata sent with a dynamic registration (`client_name`, …). @default `{ client_name: "authfetch" }` */
  clientMetadata?: ClientMetadata;
  /**
   * The scope when the resource's challenge names none. @default the resource metadata's `scopes_supported`
   */
  scope?: string | readonly string[];
  /**
   * Ask for `offline_access` (a refresh token) when a person signs in and the authorization server lists it
   * in `scopes_supported`. @default true
   */
  offlineAccess?: boolean;
  /** Key prefix in the store. @default "authfetch:" */
  keyPrefix?: string;
  /** The fetch for discovery, registration and token requests. @default globalThis.fetch */
  fetch?: Fetch;
  /** Allow plain `http:` URLs that are not loopback (tests only). @default false */
  allowInsecureHttp?: boolean;
  /** The deadline of each discovery or registration request, ms. @default 10000 */
  timeout?: number;
  /**
   * How long a sign-in may take; also how long another process sharing the store waits for it, ms.
   * @default 600000 for a person, 60000 otherwise
   */
  loginTimeout?: number;
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
}

/**
 * A token source for one protected resource, given only its URL (see {@linkcode protectedResource}).
 *
 * @example
 * ```ts
 * import { protectedResource, type ProtectedResourceSource } from "@authfetch/authfetch";
 * const tokens: ProtectedResourceSource = protectedResource("https://mcp.example.com/mcp", {
 *   login: { kind: "device", onPrompt: (p) => console.log(p.verificationUri) },
 * });
 * console.log(tokens.appliesTo("https://mcp.example.com/mcp")); // true
 * ```
 */
export interface ProtectedResourceSource extends ManagedTokenSource {
  /** The canonical URI of the resource (once discovered, the identifier its metadata gives). */
  readonly resource: string;
  /**
   * `true` when `url` is within the resource: its tokens are never sent anywhere else.
   *
   * @param url A request URL.
   * @returns Whether a token of this source may be sent there.
   */
  appliesTo(url: string | URL): boolean;
  /**
   * A token when one can be had without signing in (cached, stored, or by refresh); `undefined` when only a
   * sign-in would give one. `auth()` then sends the first request without a token and signs in with what
   * the resource's 401 says.
   *
   * @param options The caller's signal.
   * @returns The token, or `undefined`.
   */
  peekToken(options?: { signal?: AbortSignal }): Promise<Token | undefined>;
  /**
   * Discovers (once) and returns what was found.
   *
   * @param options The caller's signal.
   * @returns The discovery.
   */
  discovery(options?: { signal?: AbortSignal }): Promise<ResourceDiscovery>;
}

interface Session {
  discovery: ResourceDiscovery;
  key: string;
  tokens: ManagedTokenSource;
  wanted: Set<string>;
  stepUp?: Record<string, string>;
  last?: Token;
  has: boolean;
}

/**
 * A token source that needs only the resource's URL, for
 * `createFetch([auth(protectedResource(url, { login, store }))])`:
 *
 * 1. The first request goes without a token (unless one is stored); its 401 challenge is handed over by
 *    `auth()`. The source finds the authorization server with {@linkcode discoverResource}: protected
 *    resource metadata (the challenge's `resource_metadata`, else the well-known URLs), then RFC 8414 /
 *    OpenID discovery; `resource` and `issuer` must match, and a browser login needs `S256` PKCE.
 * 2. The client: `client` (pre-registered), else `clientMetadataUrl` as the `client_id` when the server
 *    supports Client ID Metadata Documents, else RFC 7591 dynamic registration (`application_type:
 *    "native"` for loopback and device logins) kept in the store by issuer; it registers again when the
 *    server's registration endpoint changes or the server answers `invalid_client`.
 * 3. The scope: the challenge's `scope`, else `scope`, else the metadata's `scopes_supported` (plus
 *    `offline_access` for a person when the server lists it). The login sends the canonical resource as
 *    `resource` (RFC 8707) on the authorization, token and refresh requests; tokens are stored under
 *    issuer + resource, and `appliesTo()` keeps them from any other resource.
 * 4. A 403 `insufficient_scope` (or RFC 9470 `insufficient_user_authentication` with `acr_values` /
 *    `max_age`) starts one new authorization with the union of the scopes, only when that asks for more
 *    than the token has; `auth()` replays the request.
 *
 * Tokens are cached, refreshed ahead of expiry and single-flight as with {@linkcode tokenSource}; with a
 * store that has a lease, processes sharing it register once and sign in once.
 *
 * @param resourceUrl The resource: an API or MCP endpoint URL.
 * @param options How to sign in, where to keep tokens, and client choices.
 * @returns The token source.
 * @throws {TypeError} When `resourceUrl` is not an absolute URL or `login` is missing.
 * @example
 * ```ts
 * import { auth, createFetch, MemoryStore, protectedResource } from "@authfetch/authfetch";
 * const tokens = protectedResource("https://mcp.example.com/mcp", {
 *   login: { kind: "device", onPrompt: (p) => console.log(`Visit ${p.verificationUri}: ${p.userCode}`) },
 *   store: new MemoryStore(),
 * });
 * const api = createFetch([auth(tokens)]);
 * // const response = await api("https://mcp.example.com/mcp", { method: "POST", body: "{}" });
 * ```
 */
export function protectedResource(
  resourceUrl: string | URL,
  options: ProtectedResourceOptions,
): ProtectedResourceSource {
  return new ProtectedResource(resourceUrl, options);
}

class ProtectedResource implements ProtectedResourceSource {
  #requested: string;
  #options: ProtectedResourceOptions;
  #store: TokenStore;
  #prefix: string;
  #now: () => number;
  #registry: ClientRegistry;
  #session?: Promise<Session>;
  #sessionUrl?: string;
  /** The session was rebuilt from a stored discovery: the first challenge discovers afresh. */
  #fromStore = false;

  constructor(resourceUrl: string | URL, options: ProtectedResourceOptions) {
    this.#requested = canonicalResource(resourceUrl);
    if (options?.login === undefined || typeof options.login.kind !== "string") {
      throw new TypeError(
        'Cannot create protectedResource(): give login ({ kind: "browser" | "device" | "client_credentials" | "custom", … })',
      );
    }
    this.#options = options;
    this.#store = options.store ?? new MemoryStore();
    this.#prefix = options.keyPrefix ?? "authfetch:";
    this.#now = options.now ?? Date.now;
    const login = options.login;
    this.#registry = new ClientRegistry({
      store: this.#store,
      prefix: this.#prefix,
      client: options.client ?? (login.kind === "client_credentials"
        ? {
          clientId: login.clientId,
          clientSecret: login.clientSecret,
          privateKey: login.privateKey,
          keyId: login.keyId,
          algorithm: login.algorithm,
          clientAuth: login.clientAuth,
        }
        : undefined),
      clientMetadataUrl: options.clientMetadataUrl,
      clientMetadata: options.clientMetadata,
      fetch: options.fetch,
      allowInsecureHttp: options.allowInsecureHttp,
      timeout: options.timeout,
      now: this.#now,
    });
  }

  get resource(): string {
    return this.#requested;
  }

  appliesTo(url: string | URL): boolean {
    return resourceCovers(this.#requested, url);
  }

  async discovery(options: { signal?: AbortSignal } = {}): Promise<ResourceDiscovery> {
    return (await this.#sessionFor(undefined, options.signal)).discovery;
  }

  async peekToken(options: { signal?: AbortSignal } = {}): Promise<Token | undefined> {
    let session: Session | undefined;
    if (this.#session !== undefined) session = await this.#session;
    else {
      const pointer = await this.#store.get(this.#pointerKey());
      const discovery = pointer?.raw?.discovery as ResourceDiscovery | undefined;
      if (discovery === undefined) return undefined;
      session = await this.#adopt(Promise.resolve(discovery), pointer?.raw?.url as string);
      this.#fromStore = true;
    }
    if (!session.has && (await this.#store.get(session.key)) === undefined) return undefined;
    return await this.#hand(session, session.tokens.getToken({ signal: options.signal }));
  }

  async getToken(options: GetTokenOptions = {}): Promise<Token> {
    const header = options.challenge?.wwwAuthenticate;
    const challenge = header === undefined ? undefined : resourceChallenge(header);
    const session = await this.#sessionFor(challenge, options.signal);
    if (challenge !== undefined && options.challenge !== undefined) {
      const stepUp = this.#absorb(session, challenge, options.challenge.status);
      if (!stepUp && options.challenge.status === 403 && session.last !== undefined) {
        // Nothing more to ask for: the same token, and the caller gives up on the request.
        return session.last;
      }
    }
    return await this.#hand(
      session,
      session.tokens.getToken({ signal: options.signal, rejected: options.rejected }),
    );
  }

  async clear(): Promise<void> {
    const session = await this.#session?.catch(() => undefined);
    await session?.tokens.clear();
    await this.#store.delete(this.#pointerKey());
    this.#session = undefined;
    this.#fromStore = false;
  }

  async #hand(session: Session, pending: Promise<Token>): Promise<Token> {
    const token = await pending;
    session.last = token;
    session.has = true;
    return token;
  }

  /**
   * Adds what a challenge asks for to the session's scopes. Returns `true` when a 403 calls for a new
   * authorization: it asks for a scope the token lacks, or for a stronger or fresher authentication.
   */
  #absorb(session: Session, challenge: ResourceChallenge, status: number): boolean {
    const asked = scopesOf(challenge.scope);
    const granted = scopesOf(session.last?.scope);
    if (status === 401 && session.last === undefined && asked.length > 0) {
      // The first sign-in: the challenge's scope wins over the defaults.
      session.wanted = new Set(asked);
      return true;
    }
    for (const scope of [...granted, ...asked]) session.wanted.add(scope);
    if (challenge.error === "insufficient_user_authentication") {
      const params: Record<string, string> = {};
      if (challenge.acrValues !== undefined) params.acr_values = challenge.acrValues;
      if (challenge.maxAge !== undefined) params.max_age = challenge.maxAge;
      session.stepUp = params;
      return true;
    }
    if (challenge.error !== "insufficient_scope") return status === 401;
    return asked.some((scope) => !granted.includes(scope));
  }

  #pointerKey(): string {
    return `${this.#prefix}resource:${this.#requested}`;
  }

  /** The session (discovering when needed); `signal` stops this caller's wait, not the shared lookup. */
  #sessionFor(challenge: ResourceChallenge | undefined, signal?: AbortSignal): Promise<Session> {
    return abortable(this.#sharedSession(challenge), signal);
  }

  #sharedSession(challenge: ResourceChallenge | undefined): Promise<Session> {
    const url = challenge?.resourceMetadata;
    const stale = challenge !== undefined && this.#fromStore;
    if (
      this.#session !== undefined && !stale && (url === undefined || url === this.#sessionUrl)
    ) {
      return this.#session;
    }
    this.#fromStore = false;
    // Shared by every caller, so no caller's signal: each request has its own deadline instead.
    const discovery = discoverResource(this.#requested, {
      fetch: this.#options.fetch,
      allowInsecureHttp: this.#options.allowInsecureHttp,
      timeout: this.#options.timeout,
      resourceMetadataUrl: url,
      requirePkce: this.#options.login.kind === "browser",
    }).then(async (found) => {
      await this.#store.set(this.#pointerKey(), {
        accessToken: "",
        tokenType: "resource-discovery",
        raw: { discovery: found, url },
      });
      return found;
    });
    return this.#adopt(discovery, url, challenge);
  }

  #adopt(
    pending: Promise<ResourceDiscovery>,
    url: string | undefined,
    challenge?: ResourceChallenge,
  ): Promise<Session> {
    const session = pending.then((discovery) => this.#open(discovery, challenge));
    this.#session = session;
    this.#sessionUrl = url;
    session.catch(() => {
      if (this.#session === session) this.#session = undefined;
    });
    return session;
  }

  #open(discovery: ResourceDiscovery, challenge?: ResourceChallenge): Session {
    const login = this.#options.login;
    const person = login.kind === "browser" || login.kind === "device";
    const server = discovery.authorizationServer;
    const wanted = new Set(
      scopesOf(challenge?.scope).length > 0
        ? scopesOf(challenge?.scope)
        : this.#options.scope !== undefined
        ? scopesOf([this.#options.scope].flat().join(" "))
        : discovery.resourceMetadata?.scopes_supported ?? [],
    );
    const key = `${this.#prefix}token:${discovery.issuer} ${discovery.resource}`;
    const session = { discovery, key, wanted, has: false } as Session;
    const needs: RegistrationNeeds = login.kind === "browser"
      ? {
        redirectUri: new URL(login.redirectUri).href,
        grantTypes: ["authorization_code", "refresh_token"],
        native: isLoopback(new URL(login.redirectUri).hostname),
      }
      : login.kind === "device"
      ? {
        grantTypes: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
        native: true,
      }
      : { grantTypes: ["client_credentials"], native: false };

    const scopeFor = (): string | undefined => {
      const scopes = new Set(session.wanted);
      const supported = server.scopes_supported;
      if (
        person && this.#options.offlineAccess !== false && Array.isArray(supported) &&
        supported.includes("offline_access")
      ) scopes.add("offline_access");
      return scopes.size === 0 ? undefined : [...scopes].join(" ");
    };

    const client = async (signal?: AbortSignal): Promise<ResolvedClient | undefined> => {
      if (login.kind === "custom") {
        const given = this.#options.client;
        return given === undefined ? undefined : { ...given, via: "pre-registered" };
      }
      return await this.#registry.client(server, needs, signal);
    };

    const signIn = async (signal?: AbortSignal, again = true): Promise<Token> => {
      const resolved = await client(signal);
      const params = session.stepUp ?? {};
      try {
        const token = await runLogin({
          login,
          resource: discovery.resource,
          issuer: discovery.issuer,
          server,
          verifiedIssuer: discovery.via === "metadata",
          client: resolved,
          scope: scopeFor(),
          params,
          fetch: this.#options.fetch,
          allowInsecureHttp: this.#options.allowInsecureHttp,
          signal,
        });
        if (session.stepUp === params) session.stepUp = undefined;
        return token;
      } catch (error) {
        if (
          again && resolved?.via === "dynamic" && error instanceof OAuthError &&
          (error.error === "invalid_client" || error.error === "unauthorized_client")
        ) {
          await this.#registry.forget(discovery.issuer, resolved.clientId);
          return await signIn(signal, false);
        }
        throw error;
      }
    };

    const covers = (token: Token): boolean => {
      if (session.stepUp !== undefined) return false;
      const granted = scopesOf(token.scope);
      return [...session.wanted].every((scope) => granted.includes(scope));
    };

    const grant: Grant = {
      key,
      token: ({ signal } = {}) => signIn(signal),
      refresh: async (token, { signal } = {}) => {
        if (!covers(token) || token.refreshToken === undefined) return await signIn(signal);
        const resolved = await client(signal);
        const next = await refreshWith(
          {
            ...resolved,
            tokenUrl: server.token_endpoint,
            resource: discovery.resource,
            fetch: this.#options.fetch,
            allowInsecureHttp: this.#options.allowInsecureHttp,
          },
          token.refreshToken,
          { signal },
        );
        if (next.scope === undefined) next.scope = token.scope;
        return next;
      },
    };
    if (server.token_endpoint === undefined) {
      throw new AuthFetchError(
        "discovery_error",
        `The authorization server ${discovery.issuer} advertises no token_endpoint`,
      );
    }
    const wait = this.#options.loginTimeout ?? (person ? 600_000 : 60_000);
    session.tokens = tokenSource(grant, {
      store: this.#store,
      key,
      leaseTtl: wait,
      leaseWait: wait,
      now: this.#now,
    });
    return session;
  }
}

/** `pending`, or the signal's reason once it aborts (the work itself goes on for other callers). */
function abortable<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return pending;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function scopesOf(scope: string | undefined): string[] {
  return scope === undefined ? [] : scope.split(" ").filter((s) => s !== "");
}
