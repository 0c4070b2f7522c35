/**
 * CLI login with the device authorization grant (RFC 8628): shows a code and a link, polls with a
 * countdown until the user approves in a browser, then keeps the session alive by refresh token.
 *
 * Run it: `deno run -A examples/device_login.ts`.
 *
 * Environment (all optional; without AUTHFETCH_ISSUER an embedded OpenID Provider on 127.0.0.1 is
 * started and the code is approved automatically, so the demo runs unattended):
 * - `AUTHFETCH_ISSUER`    the issuer, e.g. `https://tenant.auth0.com/` (endpoints by discovery)
 * - `AUTHFETCH_CLIENT_ID` the client id of a public (native) client allowed the device grant
 * - `AUTHFETCH_SCOPE`     default `openid offline_access`
 * - `AUTHFETCH_AUDIENCE`  Auth0-style API audience, if the server wants one
 *
 * @module
 */

import { deviceCode, type DevicePrompt, type Token, tokenSource } from "../mod.ts";

/** What the login needs. */
export interface DeviceLoginConfig {
  /** The issuer. */
  issuer: string;
  /** The client id. */
  clientId: string;
  /** The scope. */
  scope: string;
  /** The API audience, if any. */
  audience?: string;
  /** Shows the prompt; default prints to stderr. */
  onPrompt?: (prompt: DevicePrompt) => void | Promise<void>;
  /** Where progress lines go. @default console.error */
  log?: (line: string) => void;
  /** Aborts the login. */
  signal?: AbortSignal;
  /** Polling interval when the server names none, ms. @default 5000 */
  interval?: number;
}

/**
 * Logs in with the device flow and renews once to show that no second prompt is needed.
 *
 * @param config Issuer, client and scope.
 * @returns The token after the renewal.
 */
export async function deviceLogin(config: DeviceLoginConfig): Promise<Token> {
  const log = config.log ?? ((line: string) => console.error(line));
  const tokens = tokenSource(deviceCode({
    issuer: config.issuer,
    clientId: config.clientId,
    scope: config.scope,
    audience: config.audience,
    interval: config.interval,
    onPrompt: config.onPrompt ?? (({ userCode, verificationUri, verificationUriComplete }) => {
      log(`To sign in, open ${verificationUri} and enter the code ${userCode}`);
      if (verificationUriComplete) log(`(or open ${verificationUriComplete})`);
    }),
    onPoll: ({ remaining }) => log(`Waiting for approval… ${Math.ceil(remaining / 1000)} s left`),
  }));
  const first = await tokens.getToken({ signal: config.signal });
  log(`Signed in; the token expires at ${new Date(first.expiresAt ?? 0).toISOString()}`);
  // A refresh, as happens when the token nears expiry: no prompt this time.
  const renewed = await tokens.getToken({ rejected: first.accessToken, signal: config.signal });
  log(`Renewed with the refresh token, no prompt needed`);
  return renewed;
}

/**
 * Runs the example: a real issuer from the environment, or the embedded provider with automatic
 * approval.
 *
 * @param env Environment variables.
 * @param log Where progress lines go.
 * @returns The final token.
 */
export async function main(
  env: Record<string, string | undefined>,
  log?: (line: string) => void,
): Promise<Token> {
  const scope = env.AUTHFETCH_SCOPE ?? "openid offline_access";
  if (env.AUTHFETCH_ISSUER) {
    return await deviceLogin({
      issuer: env.AUTHFETCH_ISSUER,
      clientId: env.AUTHFETCH_CLIENT_ID ?? "",
      scope,
      audience: env.AUTHFETCH_AUDIENCE,
      log,
    });
  }
  const { startOidcProvider, DEVICE_CLIENT_ID } = await import("../tests/peers/oidc_provider.ts");
  const { approveDeviceCode } = await import("../tests/peers/oidc_interactions.ts");
  const peer = await startOidcProvider();
  try {
    return await deviceLogin({
      issuer: peer.issuer,
      clientId: DEVICE_CLIENT_ID,
      scope,
      log,
      interval: 100, // the embedded provider names no interval; the user is a robot

      async onPrompt({ userCode, verificationUri }) {
        log?.(`Demo: approving ${userCode} at ${verificationUri} as "demo-user"`);
        await approveDeviceCode(verificationUri, userCode, { login: "demo-user" });
      },
    });
  } finally {
    await peer.close();
  }
}

if (import.meta.main) {
  const token = await main(Deno.env.toObject());
  console.log(
    JSON.stringify({ tokenType: token.tokenType, expiresAt: token.expiresAt, scope: token.scope }),
  );
}
