/**
 * `authfetch fetch URL` with no profile: the API's own metadata says where to sign in
 * ({@linkcode protectedResource}). It discovers the authorization server, registers a client (kept in the
 * token directory by issuer), signs in through the browser with a loopback redirect (RFC 8252), or with
 * the device flow when `AUTHFETCH_LOGIN=device`, stores the tokens and replays the request.
 *
 * @module
 */

import { protectedResource, type ProtectedResourceSource } from "../tokens/protected_resource.ts";
import type { ResourceLogin } from "../tokens/resource_login.ts";
import type { DevicePrompt } from "../grants/device_code.ts";
import { type Resolved, type Secrets, storeOf } from "./config.ts";
import { type Context, say } from "./context.ts";
import { UsageError } from "./errors.ts";
import { headless, openBrowser } from "./login.ts";

/**
 * `true` when the profile says nothing about where tokens come from (no grant, issuer, token URL, login
 * URL, user name or stored credential): the API is asked instead. A `--client-id` alone is used as a
 * pre-registered client.
 *
 * @param resolved The profile.
 * @param secrets Its secrets.
 * @returns Whether to discover.
 */
export function discoversCredentials(resolved: Resolved, secrets: Secrets): boolean {
  const p = resolved.profile;
  if (
    p.grant !== undefined || p.issuer !== undefined || p.tokenUrl !== undefined ||
    p.loginUrl !== undefined || p.username !== undefined
  ) return false;
  return secrets.optional("accessToken") === undefined &&
    secrets.optional("apiKey") === undefined &&
    secrets.optional("refreshToken") === undefined;
}

/**
 * The token source for `url` found from the API's metadata, with the CLI's sign-in.
 *
 * @param ctx The context.
 * @param url The API URL.
 * @param resolved The (empty) profile: its token directory, client id and scope.
 * @param secrets Its secrets (a client secret for a pre-registered client).
 * @returns The source.
 */
export async function discoveredTokens(
  ctx: Context,
  url: URL,
  resolved: Resolved,
  secrets: Secrets,
): Promise<ProtectedResourceSource> {
  const p = resolved.profile;
  const clientSecret = secrets.optional("clientSecret");
  return protectedResource(url, {
    login: ctx.io.env("AUTHFETCH_LOGIN") === "device" ? deviceLogin(ctx) : await browserLogin(ctx),
    store: storeOf(resolved),
    client: p.clientId === undefined ? undefined : { clientId: p.clientId, clientSecret },
    scope: p.scope,
    clientMetadata: { client_name: "authfetch CLI" },
    allowInsecureHttp: p.allowInsecureHttp,
    now: ctx.io.now,
  });
}

function deviceLogin(ctx: Context): ResourceLogin {
  return {
    kind: "device",
    onPrompt: async (prompt: DevicePrompt) => {
      await say(
        ctx,
        `To sign in to the API, open ${prompt.verificationUri} and enter the code: ${prompt.userCode}`,
      );
      if (prompt.verificationUriComplete !== undefined) {
        await say(ctx, `(or open ${prompt.verificationUriComplete})`);
      }
    },
  };
}

/**
 * A loopback login: the port is chosen now (the redirect URI is registered with the client), the
 * listener runs only while the person signs in.
 */
async function browserLogin(ctx: Context): Promise<ResourceLogin> {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await Promise.resolve();
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  return {
    kind: "browser",
    redirectUri,
    async authorize(authorizationUrl: URL, { signal }): Promise<URL> {
      const callback = Promise.withResolvers<URL>();
      const stop = new AbortController();
      const server = Deno.serve(
        { hostname: "127.0.0.1", port, signal: stop.signal, onListen() {} },
        (
          request,
        ) => {
          const url = new URL(request.url);
          if (url.pathname !== "/callback") return new Response("Not found", { status: 404 });
          callback.resolve(url);
          return new Response(
            "<!DOCTYPE html><title>authfetch</title><p>authfetch received the sign-in. You can close this tab.</p>",
            {
              headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
            },
          );
        },
      );
      const onAbort = () => callback.reject(signal?.reason ?? ctx.io.signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      ctx.io.signal.addEventListener("abort", onAbort, { once: true });
      try {
        await say(
          ctx,
          `To sign in to the API, open this URL in your browser:\n${authorizationUrl.href}`,
        );
        if (!headless(ctx.io)) await openBrowser(ctx, authorizationUrl.href);
        return await callback.promise;
      } catch (error) {
        throw error instanceof Error ? error : new UsageError("The sign-in was cancelled");
      } finally {
        signal?.removeEventListener("abort", onAbort);
        ctx.io.signal.removeEventListener("abort", onAbort);
        stop.abort();
        await server.finished.catch(() => {});
      }
    },
  };
}
