/**
 * A CLI that logs in with the device flow (Auth0-style `audience`, scopes `profile openid
 * offline_access`), keeps the tokens in a per-user file, refreshes them before they expire, and uses an
 * API key instead when one is configured.
 *
 * Run it: `deno run -A examples/device_cli.ts [URL]` fetches URL (default: the issuer's userinfo) and
 * prints the body. The first run shows a code to enter in a browser; later runs use the token file.
 * Environment (optional; without `AUTHFETCH_ISSUER` an embedded OpenID Provider is started and the code
 * is approved automatically):
 * - `AUTHFETCH_ISSUER`, `AUTHFETCH_CLIENT_ID`, `AUTHFETCH_AUDIENCE` the login
 * - `AUTHFETCH_API_KEY` an API key: sent as `x-api-key`, and no login happens
 *
 * @module
 */

import {
  apiKey,
  auth,
  createFetch,
  deviceCode,
  type DevicePrompt,
  discover,
  type Fetch,
  tokenSource,
} from "../mod.ts";
import { FileStore } from "../src/stores/file.ts";

/** What the CLI needs. */
export interface DeviceCliConfig {
  /** The issuer (endpoints by discovery). */
  issuer: string;
  /** The client id of a public client allowed the device grant. */
  clientId: string;
  /** The API audience (Auth0 and the like). */
  audience?: string;
  /** An API key; when set it is used instead of logging in. */
  apiKey?: string;
  /** Where the token files are. @default the user's config directory (`~/.config/authfetch`) */
  directory?: string;
  /** Shows the code to the user. @default prints to stderr */
  onPrompt?: (prompt: DevicePrompt) => void | Promise<void>;
  /** Polling interval when the server names none, ms. @default 5000 */
  interval?: number;
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
}

/**
 * Builds the CLI's `fetch`: with an API key if one is configured, else with device-flow tokens kept
 * in the user's token file.
 *
 * @param config The login and where tokens are kept.
 * @returns A `fetch` that attaches the credential.
 */
export function cliFetch(config: DeviceCliConfig): Fetch {
  if (config.apiKey) return createFetch([apiKey(config.apiKey)]);
  const tokens = tokenSource(
    deviceCode({
      issuer: config.issuer,
      clientId: config.clientId,
      audience: config.audience,
      scope: "profile openid offline_access", // offline_access: a refresh token, so no new prompt
      interval: config.interval,
      onPrompt: config.onPrompt ??
        (({ verificationUri, userCode }) =>
          console.error(`Open ${verificationUri} and enter the code ${userCode}`)),
    }),
    {
      store: new FileStore({ directory: config.directory }), // one 0600 file per login, per user
      refreshBefore: 5 * 60_000, // renew 5 minutes before expiry, in the background
      now: config.now,
    },
  );
  return createFetch([auth(tokens)]);
}

if (import.meta.main) {
  const env = Deno.env.toObject();
  let issuer = env.AUTHFETCH_ISSUER;
  let config: DeviceCliConfig = {
    issuer,
    clientId: env.AUTHFETCH_CLIENT_ID ?? "",
    audience: env.AUTHFETCH_AUDIENCE,
    apiKey: env.AUTHFETCH_API_KEY,
  };
  let stop = () => Promise.resolve();
  if (!issuer) {
    const { startOidcProvider, DEVICE_CLIENT_ID } = await import("../tests/peers/oidc_provider.ts");
    const { approveDeviceCode } = await import("../tests/peers/oidc_interactions.ts");
    const peer = await startOidcProvider();
    issuer = peer.issuer;
    stop = peer.close;
    config = {
      ...config,
      issuer,
      clientId: DEVICE_CLIENT_ID,
      directory: await Deno.makeTempDir(),
      interval: 100,
      onPrompt: ({ verificationUri, userCode }) =>
        approveDeviceCode(verificationUri, userCode, { login: "demo-user" }),
    };
  }
  try {
    const url = Deno.args[0] ?? (await discover(issuer)).userinfo_endpoint!;
    const response = await cliFetch(config)(url);
    console.log(await response.text());
  } finally {
    await stop();
  }
}
