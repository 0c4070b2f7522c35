/**
 * Web-server login with the authorization code grant: PKCE, a signed and expiring `state`, OpenID
 * Connect ID token validation, then API calls with a token source that renews by refresh token.
 *
 * Run it: `deno run -A examples/web_login.ts`, then open the printed URL.
 *
 * Environment (all optional; without AUTHFETCH_ISSUER an embedded OpenID Provider on 127.0.0.1 is
 * started, where any user name and password log in):
 * - `AUTHFETCH_ISSUER`        the issuer, e.g. `https://accounts.example.com` (endpoints by discovery)
 * - `AUTHFETCH_CLIENT_ID`     the client id
 * - `AUTHFETCH_CLIENT_SECRET` the client secret (omit for a public client)
 * - `AUTHFETCH_BASE_URL`      this app's public base URL (behind a proxy), e.g. `https://app.example/myapp`;
 *                             the redirect URI is `<base>/callback`. Default `http://127.0.0.1:<PORT>`
 * - `AUTHFETCH_PUBLIC_SCHEME`, `AUTHFETCH_PUBLIC_HOST`, `AUTHFETCH_PUBLIC_PORT`, `AUTHFETCH_PUBLIC_PREFIX`
 *                             the same base URL given in parts (used when `AUTHFETCH_BASE_URL` is unset)
 * - `AUTHFETCH_STATE_KEY`     secret (≥ 32 bytes) that signs `state`. Default: random per process
 * - `AUTHFETCH_SCOPE`         default `openid profile offline_access`
 * - `PORT`                    the port to listen on. Default 8000 (0 = any free port)
 *
 * @module
 */

import {
  auth,
  authorizationCode,
  createFetch,
  discover,
  type Fetch,
  OAuthError,
  StateError,
  timeout,
  tokenSource,
} from "../mod.ts";

/** What the app needs. */
export interface WebLoginConfig {
  /** The issuer. */
  issuer: string;
  /** The client id. */
  clientId: string;
  /** The client secret. */
  clientSecret?: string;
  /** The public base URL; default `http://127.0.0.1:<port>`. */
  baseUrl?: string;
  /** The public base URL in parts, used when `baseUrl` is not given. */
  publicUrl?: { scheme?: "https" | "http"; host: string; port?: number; prefix?: string };
  /** The state signing secret. */
  stateKey: string;
  /** The scope. */
  scope: string;
  /** The port; 0 for any. */
  port: number;
}

/** A running app. */
export interface WebLoginApp {
  /** Where it listens, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** Stops it (and the embedded provider, if any). */
  close(): Promise<void>;
}

const LOGIN_COOKIE = "login";
const SESSION_COOKIE = "sid";

function cookies(request: Request): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) jar.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
  }
  return jar;
}

function html(body: string, status = 200, headers: HeadersInit = {}): Response {
  return new Response(`<!DOCTYPE html><meta charset="utf-8"><title>web login</title>${body}`, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", ...headers },
  });
}

function escape(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Starts the web app.
 *
 * @param config Issuer, client and where to listen.
 * @returns The running app.
 */
export function startWebLogin(config: WebLoginConfig): WebLoginApp {
  const sessions = new Map<string, { api: Fetch; user: string }>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: config.port, onListen() {} }, handle);
  const url = `http://127.0.0.1:${server.addr.port}`;
  const login = authorizationCode({
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    // The redirect URI is `<base>/callback`: base URL whole, or as scheme/host/port/prefix.
    ...(config.baseUrl === undefined && config.publicUrl ? config.publicUrl : {
      baseUrl: config.baseUrl ?? url,
    }),
    scope: config.scope,
    stateKey: config.stateKey, // state is a signed JWT that expires after 10 minutes
    timeout: 10_000, // each request to the authorization server
  });
  const secure = login.redirectUri?.startsWith("https:") ?? false;

  async function handle(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const jar = cookies(request);
    const attrs = `HttpOnly; SameSite=Lax; Path=/${secure ? "; Secure" : ""}`;
    if (pathname === "/login") {
      const { url, state, codeVerifier, nonce } = await login.start();
      const kept = encodeURIComponent(JSON.stringify({ state, codeVerifier, nonce }));
      return new Response(null, {
        status: 302,
        headers: {
          location: url.href,
          "set-cookie": `${LOGIN_COOKIE}=${kept}; Max-Age=600; ${attrs}`,
        },
      });
    }
    if (pathname === "/callback") {
      const kept = jar.get(LOGIN_COOKIE);
      if (kept === undefined) {
        return html(`<p>No login in progress. <a href="/login">Log in</a></p>`, 400);
      }
      try {
        const token = await login.finish(request.url, JSON.parse(kept));
        const sid = crypto.randomUUID();
        const user = String(token.idTokenClaims?.preferred_username ?? token.idTokenClaims?.sub);
        // API calls with the user's token (renewed by refresh token), 10 s per attempt.
        const api = createFetch([timeout(10_000), auth(tokenSource(login.grant(token)))]);
        sessions.set(sid, { api, user });
        const headers = new Headers({ location: "/" });
        headers.append("set-cookie", `${LOGIN_COOKIE}=; Max-Age=0; ${attrs}`);
        headers.append("set-cookie", `${SESSION_COOKIE}=${sid}; ${attrs}`);
        return new Response(null, { status: 303, headers });
      } catch (error) {
        if (error instanceof OAuthError || error instanceof StateError) {
          return html(
            `<p>Login failed: ${escape(error.message)}</p><a href="/login">Try again</a>`,
            400,
          );
        }
        throw error;
      }
    }
    const session = sessions.get(jar.get(SESSION_COOKIE) ?? "");
    if (pathname === "/me" && session) {
      const userinfo = (await discover(config.issuer)).userinfo_endpoint!;
      // No redirects followed: a 3xx comes back as it is.
      const response = await session.api(userinfo, { redirect: "manual" });
      return new Response(response.body, { status: response.status, headers: response.headers });
    }
    if (pathname === "/") {
      return session
        ? html(
          `<p>Logged in as <b id="user">${
            escape(session.user)
          }</b>. <a href="/me">userinfo</a></p>`,
        )
        : html(`<p><a href="/login">Log in</a></p>`);
    }
    return html("<p>Not found</p>", 404);
  }

  return { url, close: () => server.shutdown() };
}

/**
 * The configuration from the environment, or an embedded OpenID Provider when `AUTHFETCH_ISSUER` is
 * unset.
 *
 * @param env Environment variables.
 * @returns The configuration and a function that stops the embedded provider.
 */
export async function configFromEnv(
  env: Record<string, string | undefined>,
): Promise<{ config: WebLoginConfig; stop(): Promise<void> }> {
  const port = Number(env.PORT ?? 8000);
  const common = {
    stateKey: env.AUTHFETCH_STATE_KEY ?? crypto.randomUUID() + crypto.randomUUID(),
    scope: env.AUTHFETCH_SCOPE ?? "openid profile offline_access",
    port,
    baseUrl: env.AUTHFETCH_BASE_URL,
    publicUrl: env.AUTHFETCH_PUBLIC_HOST
      ? {
        scheme: env.AUTHFETCH_PUBLIC_SCHEME === "http" ? "http" as const : "https" as const,
        host: env.AUTHFETCH_PUBLIC_HOST,
        port: env.AUTHFETCH_PUBLIC_PORT ? Number(env.AUTHFETCH_PUBLIC_PORT) : undefined,
        prefix: env.AUTHFETCH_PUBLIC_PREFIX,
      }
      : undefined,
  };
  if (env.AUTHFETCH_ISSUER) {
    return {
      config: {
        ...common,
        issuer: env.AUTHFETCH_ISSUER,
        clientId: env.AUTHFETCH_CLIENT_ID ?? "",
        clientSecret: env.AUTHFETCH_CLIENT_SECRET,
      },
      stop: () => Promise.resolve(),
    };
  }
  // The embedded provider needs the exact redirect URI, so pick the port first.
  if (port === 0) {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    common.port = (probe.addr as Deno.NetAddr).port;
    probe.close();
  }
  const { startOidcProvider } = await import("../tests/peers/oidc_provider.ts");
  const clientSecret = crypto.randomUUID();
  const peer = await startOidcProvider({
    clients: [{
      client_id: "demo-web",
      client_secret: clientSecret,
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      redirect_uris: [`${publicBase(common)}/callback`],
    }],
  });
  return {
    config: { ...common, issuer: peer.issuer, clientId: "demo-web", clientSecret },
    stop: () => peer.close(),
  };
}

function publicBase(config: Pick<WebLoginConfig, "baseUrl" | "publicUrl" | "port">): string {
  const parts = config.publicUrl;
  if (config.baseUrl !== undefined || parts === undefined) {
    return config.baseUrl ?? `http://127.0.0.1:${config.port}`;
  }
  const port = parts.port === undefined ? "" : `:${parts.port}`;
  return `${parts.scheme ?? "https"}://${parts.host}${port}${parts.prefix ?? ""}`;
}

if (import.meta.main) {
  const { config, stop } = await configFromEnv(Deno.env.toObject());
  const app = startWebLogin(config);
  console.log(`Listening on ${app.url}; open ${publicBase(config)}/login (Ctrl-C to stop)`);
  Deno.addSignalListener("SIGINT", async () => {
    await app.close();
    await stop();
    Deno.exit(0);
  });
}
