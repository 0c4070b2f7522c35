/**
 * A real OpenID Provider (`npm:oidc-provider` v9) running inside the Deno test process, for
 * end-to-end tests of OAuth 2 / OIDC clients.
 *
 * ```ts ignore
 * const peer = await startOidcProvider();
 * try {
 *   // POST `${peer.issuer}/token` with client_id=cc-client ...
 * } finally {
 *   await peer.close();
 * }
 * ```
 *
 * Endpoints (oidc-provider defaults, relative to `issuer`): `/.well-known/openid-configuration`,
 * `/auth`, `/token`, `/jwks`, `/me` (userinfo), `/token/introspection`, `/token/revocation`,
 * `/device/auth` (device authorization), `/device` (verification_uri).
 *
 * Caveats (verified against oidc-provider 9.13):
 * - redirect_uri matching is exact for `application_type: "web"` clients (the default, e.g.
 *   `web-client`). Only `application_type: "native"` clients get RFC 8252 loopback port
 *   variation: a registered `http://127.0.0.1/callback` then accepts
 *   `http://127.0.0.1:<any port>/callback` (also `localhost` and `[::1]`; scheme, host, path and
 *   query must still match). Use {@link NATIVE_CLIENT_ID} (or register your own native client via
 *   `options.clients`) when the test's callback listener has an ephemeral port.
 * - PKCE (S256) is required for every authorization code request, confidential clients included.
 * - oidc-provider silently drops `offline_access` from authorization requests that do not carry
 *   `prompt=consent`. So that clients need no special prompt handling, this peer issues a refresh
 *   token for the authorization_code and device_code grants to ANY client whose `grant_types`
 *   includes `refresh_token`, with or without `offline_access`. To test "no refresh token", use a
 *   client without the `refresh_token` grant.
 * - client_credentials issues opaque access tokens (introspectable, revocable). Resource
 *   indicators are NOT enabled, so no `resource` parameter is needed; the default cc clients are
 *   registered with `scope: "api:read api:write"`: requesting either (or none) works, requesting
 *   another registered scope such as `openid` gives `invalid_scope`.
 * - Accounts: any login name is accepted with any password; `sub` = the login name.
 *
 * Runtime note: oidc-provider prints "Unsupported runtime" under Deno, but everything used here
 * works with Deno's node compatibility layer (node:http, node:crypto, Koa). No workaround needed.
 *
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import { Buffer } from "node:buffer";
import { exportJWK, generateKeyPair } from "jose";

/** A running provider. */
export interface OidcPeer {
  /** Issuer identifier, e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  issuer: string;
  /** Stops the HTTP server (closing kept-alive connections). Idempotent. */
  close(): Promise<void>;
  /** The public signing keys (the provider's `jwks_uri` content). */
  jwks: { keys: JsonWebKey[] };
}

/** Options for {@link startOidcProvider}. */
export interface OidcPeerOptions {
  /** Extra oidc-provider client metadata (snake_case), registered after the defaults. */
  clients?: Record<string, unknown>[];
  /**
   * Require a server nonce in DPoP proofs at the token endpoint (`use_dpop_nonce` until the client sends
   * the `DPoP-Nonce` it was given). Default false.
   */
  dpopNonce?: boolean;
  /** Enable RFC 7591 dynamic registration at `/reg` (open: no initial access token). Default false. */
  registration?: boolean;
  /**
   * Enable RFC 8707 resource indicators: each key is a resource URI the provider issues audience-bound JWT
   * access tokens for (`aud` = the resource), with the scopes given. A `resource` not listed is refused
   * with `invalid_target`. Default: disabled.
   */
  resourceServers?: Record<string, { scope: string }>;
  /** Token lifetimes in seconds (defaults: 3600, 3600, 600, 86400). */
  ttl?: {
    AccessToken?: number;
    ClientCredentials?: number;
    DeviceCode?: number;
    RefreshToken?: number;
  };
}

/** `client_secret_basic` client_credentials client. Allowed scopes: `api:read api:write`. */
export const CC_CLIENT_ID = "cc-client";
/** Secret of {@link CC_CLIENT_ID}. */
export const CC_CLIENT_SECRET = "cc-secret-value-0123456789abcdef";
/** `client_secret_post` client_credentials client. Allowed scopes: `api:read api:write`. */
export const CC_POST_CLIENT_ID = "cc-post-client";
/** Secret of {@link CC_POST_CLIENT_ID}. */
export const CC_POST_CLIENT_SECRET = "cc-post-secret-value-0123456789ab";
/** Confidential web client (client_secret_basic), authorization_code + refresh_token. */
export const WEB_CLIENT_ID = "web-client";
/** Secret of {@link WEB_CLIENT_ID}. */
export const WEB_CLIENT_SECRET = "web-secret-value-0123456789abcdef";
/** The only redirect_uri of {@link WEB_CLIENT_ID} (exact match, port-less: port 80). */
export const WEB_CLIENT_REDIRECT_URI = "http://127.0.0.1/callback";
/**
 * Public native client (token_endpoint_auth_method "none"), authorization_code + refresh_token,
 * registered with `http://127.0.0.1/callback`: any port on 127.0.0.1 is accepted (RFC 8252).
 */
export const NATIVE_CLIENT_ID = "native-client";
/** The registered redirect_uri of {@link NATIVE_CLIENT_ID}; add any port to it. */
export const NATIVE_CLIENT_REDIRECT_URI = "http://127.0.0.1/callback";
/** Public device-flow client (token_endpoint_auth_method "none"), device_code + refresh_token. */
export const DEVICE_CLIENT_ID = "device-client";

/** Scopes the provider knows. */
export const SUPPORTED_SCOPES = [
  "openid",
  "profile",
  "email",
  "offline_access",
  "api:read",
  "api:write",
];

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

function defaultClients(): Record<string, unknown>[] {
  return [
    {
      client_id: CC_CLIENT_ID,
      client_secret: CC_CLIENT_SECRET,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_basic",
      scope: "api:read api:write",
    },
    {
      client_id: CC_POST_CLIENT_ID,
      client_secret: CC_POST_CLIENT_SECRET,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_post",
      scope: "api:read api:write",
    },
    {
      client_id: WEB_CLIENT_ID,
      client_secret: WEB_CLIENT_SECRET,
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      redirect_uris: [WEB_CLIENT_REDIRECT_URI],
      token_endpoint_auth_method: "client_secret_basic",
    },
    {
      client_id: NATIVE_CLIENT_ID,
      application_type: "native",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      redirect_uris: [NATIVE_CLIENT_REDIRECT_URI],
      token_endpoint_auth_method: "none",
    },
    {
      client_id: DEVICE_CLIENT_ID,
      grant_types: [DEVICE_CODE_GRANT, "refresh_token"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "none",
    },
  ];
}

/** The token endpoint of a peer (oidc-provider's default route `/token`). */
export function tokenUrl(peer: Pick<OidcPeer, "issuer">): string {
  return `${peer.issuer}/token`;
}

/**
 * Asks the peer's introspection endpoint about `token`, as {@link CC_CLIENT_ID} with Basic auth.
 *
 * @param peer The peer.
 * @param token The token.
 * @returns The introspection answer.
 */
export async function introspectAt(
  peer: Pick<OidcPeer, "issuer">,
  token: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${peer.issuer}/token/introspection`, {
    method: "POST",
    headers: {
      authorization: `Basic ${btoa(`${CC_CLIENT_ID}:${CC_CLIENT_SECRET}`)}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ token }),
  });
  return await response.json();
}

// oidc-provider chatter that is expected in tests and carries no signal. Anything else (and every
// console.error) is passed through untouched.
const NOISE = [
  "oidc-provider WARNING: Unsupported runtime",
  "oidc-provider WARNING: a quick start development-only",
  "oidc-provider NOTICE: default ",
  "oidc-provider NOTICE: The following experimental features",
  "oidc-provider NOTICE:   - ",
  "oidc-provider NOTICE: Breaking changes between experimental",
  "oidc-provider NOTICE: You may disable this notice",
];

async function quietly<T>(fn: () => Promise<T> | T): Promise<T> {
  const { warn, info } = console;
  const filter = (orig: (...args: unknown[]) => void) => (...args: unknown[]) => {
    // includes(), not startsWith(): on a TTY the text is wrapped in ANSI color codes.
    const first = typeof args[0] === "string" ? args[0] : "";
    if (!NOISE.some((n) => first.includes(n))) orig.apply(console, args);
  };
  console.warn = filter(warn);
  console.info = filter(info);
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

// deno-lint-ignore no-explicit-any
type ProviderCtor = new (issuer: string, configuration: Record<string, unknown>) => any;
let providerModule: Promise<ProviderCtor> | undefined;

function loadProvider(): Promise<ProviderCtor> {
  // Dynamic import so the import-time "Unsupported runtime" warning can be filtered.
  providerModule ??= quietly(async () =>
    (await import("npm:oidc-provider@^9.5.0")).default as ProviderCtor
  );
  return providerModule;
}

function html(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><h1>${title}</h1>${body}</body></html>`;
}

function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Starts a provider on 127.0.0.1 with an ephemeral port. Always `close()` it. */
export async function startOidcProvider(options: OidcPeerOptions = {}): Promise<OidcPeer> {
  const Provider = await loadProvider();
  const InvalidTarget = (await import("npm:oidc-provider@^9.5.0")).errors.InvalidTarget as new () =>
  Error;

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const privateJwk = {
    ...(await exportJWK(privateKey)),
    alg: "RS256",
    use: "sig",
    kid: "peer-rs256",
  };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;

  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("unexpected address");
  const issuer = `http://127.0.0.1:${address.port}`;

  const ttl = options.ttl ?? {};
  const configuration: Record<string, unknown> = {
    clients: [...defaultClients(), ...(options.clients ?? [])],
    jwks: { keys: [privateJwk] },
    cookies: { keys: [crypto.randomUUID(), crypto.randomUUID()] },
    scopes: SUPPORTED_SCOPES,
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
      email: ["email", "email_verified"],
    },
    clientAuthMethods: [
      "client_secret_basic",
      "client_secret_post",
      "client_secret_jwt",
      "private_key_jwt",
      "none",
    ],
    findAccount(_ctx: unknown, id: string) {
      return {
        accountId: id,
        claims() {
          return {
            sub: id,
            name: id,
            preferred_username: id,
            email: `${id}@example.test`,
            email_verified: true,
          };
        },
      };
    },
    pkce: { required: () => true },
    // See the module doc: refresh tokens for every client allowed the refresh_token grant.
    issueRefreshToken(_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) {
      return client.grantTypeAllowed("refresh_token");
    },
    ttl: {
      AccessToken: ttl.AccessToken ?? 3600,
      AuthorizationCode: 600,
      ClientCredentials: ttl.ClientCredentials ?? 3600,
      DeviceCode: ttl.DeviceCode ?? 600,
      IdToken: 3600,
      RefreshToken: ttl.RefreshToken ?? 86400,
      Interaction: 3600,
      Session: 86400,
      Grant: 86400,
    },
    clientBasedCORS: () => true,
    renderError(
      ctx: { type: string; body: string },
      out: Record<string, unknown>,
      _error: unknown,
    ) {
      ctx.type = "html";
      ctx.body = html(
        "oops! something went wrong",
        Object.entries(out).map(([k, v]) => `<pre>${escapeHtml(k)}: ${escapeHtml(v)}</pre>`)
          .join(""),
      );
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: () => true },
      revocation: { enabled: true, allowedPolicy: () => true },
      dPoP: options.dpopNonce
        ? {
          enabled: true,
          nonceSecret: Buffer.from(crypto.getRandomValues(new Uint8Array(32))),
          requireNonce: () => true,
        }
        : { enabled: true },
      rpInitiatedLogout: { enabled: false },
      registration: { enabled: options.registration ?? false },
      resourceIndicators: options.resourceServers === undefined ? { enabled: false } : {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string[]) => oneOf,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx: unknown, resource: string) {
          const info = options.resourceServers![resource];
          if (info === undefined) throw new InvalidTarget();
          return {
            scope: info.scope,
            audience: resource,
            accessTokenTTL: ttl.AccessToken ?? 3600,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource(
          ctx: { body: string },
          form: string,
          _out: unknown,
          err?: { name?: string; userCode?: string },
        ) {
          const msg = err ? `<p class="error">${escapeHtml(err.name ?? "error")}</p>` : "";
          ctx.body = html(
            "Device sign-in",
            `${msg}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`,
          );
        },
        userCodeConfirmSource(
          ctx: { body: string },
          form: string,
          _client: unknown,
          _deviceInfo: unknown,
          userCode: string,
        ) {
          ctx.body = html(
            "Confirm device",
            `<code>${escapeHtml(userCode)}</code>${form}` +
              `<button autofocus type="submit" form="op.deviceConfirmForm">Continue</button>` +
              `<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button>`,
          );
        },
        successSource(ctx: { body: string }) {
          ctx.body = html("Sign-in Success", "<p>You can close this page.</p>");
        },
      },
    },
  };

  // deno-lint-ignore no-explicit-any
  let provider: any;
  try {
    provider = await quietly(() => new Provider(issuer, configuration));
  } catch (err) {
    await new Promise((resolve) => server.close(resolve));
    throw err;
  }
  // The provider's own console output for unexpected (500) errors.
  provider.on("server_error", (_ctx: unknown, err: unknown) => {
    console.error("oidc peer server_error:", err);
  });
  const handler = provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;
  server.on("request", handler);

  let closed: Promise<void> | undefined;
  return {
    issuer,
    jwks: { keys: [publicJwk as JsonWebKey] },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
