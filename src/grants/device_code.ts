/**
 * The device authorization grant (RFC 8628) for CLIs and devices without a browser.
 *
 * @module
 */

import { OAuthError, TokenResponseError } from "../errors.ts";
import type { Grant, GrantRequestOptions } from "../tokens/source.ts";
import type { Token } from "../tokens/token.ts";
import { excerpt } from "../redact.ts";
import type { Secrets } from "../secrets.ts";
import {
  type GrantOptions,
  requestToken,
  resolveEndpoint,
  scopeString,
  withGrantKeys,
} from "../oauth/token_request.ts";
import { postForm } from "../oauth/post_form.ts";
import { refreshWith } from "./_refresh.ts";
import { sleep as abortableSleep } from "../sleep.ts";

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * What to show the user: where to go and which code to enter.
 *
 * @example
 * ```ts
 * import { deviceCode, type DevicePrompt } from "@authfetch/authfetch";
 * const onPrompt = (prompt: DevicePrompt): void => {
 *   console.log(`Open ${prompt.verificationUri} and enter ${prompt.userCode}`);
 * };
 * const grant = deviceCode({ issuer: "https://auth.example.com", clientId: "my-cli", onPrompt });
 * ```
 */
export interface DevicePrompt {
  /** The code the user enters. */
  userCode: string;
  /** Where the user goes to enter it. */
  verificationUri: string;
  /** A link that carries the code already (for a QR code), if the server gave one. */
  verificationUriComplete?: string;
  /** Seconds until the code expires. */
  expiresIn: number;
}

/**
 * Passed to `onPoll` before each wait: for a countdown.
 *
 * @example
 * ```ts
 * import { deviceCode, type DevicePollProgress } from "@authfetch/authfetch";
 * const onPoll = (progress: DevicePollProgress): void => {
 *   console.error(`poll ${progress.attempt}: ${Math.round(progress.remaining / 1000)} s left`);
 * };
 * const onPrompt = () => {};
 * const grant = deviceCode({ issuer: "https://auth.example.com", clientId: "cli", onPrompt, onPoll });
 * ```
 */
export interface DevicePollProgress {
  /** How many polls have been sent so far. */
  attempt: number;
  /** The wait before the next poll, ms. */
  interval: number;
  /** When the user code expires, epoch ms. */
  expiresAt: number;
  /** Time left until then, ms. */
  remaining: number;
}

/**
 * Options of {@linkcode deviceCode}.
 *
 * @example
 * ```ts
 * import { deviceCode, type DeviceCodeOptions, tokenSource } from "@authfetch/authfetch";
 * const options: DeviceCodeOptions = {
 *   issuer: "https://auth.example.com",
 *   clientId: "my-cli",
 *   onPrompt: ({ verificationUri, userCode }) => console.log(`Open ${verificationUri}: ${userCode}`),
 * };
 * const tokens = tokenSource(deviceCode(options));
 * ```
 */
export interface DeviceCodeOptions extends GrantOptions {
  /** The device authorization endpoint. @default the issuer's `device_authorization_endpoint`, by discovery */
  deviceAuthorizationUrl?: string | URL;
  /** Shows the user code and verification URI to the user. Polling starts when it returns. */
  onPrompt: (prompt: DevicePrompt) => void | Promise<void>;
  /** Called before each wait between polls. @default undefined */
  onPoll?: (progress: DevicePollProgress) => void;
  /** The polling interval when the server gives none, ms. @default 5000 */
  interval?: number;
  /** Waits `ms`, rejecting when `signal` aborts (tests inject a fake). @default a cancellable setTimeout */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * A cancellable wait.
 *
 * @param ms How long, ms.
 * @param signal Rejects with its reason when it aborts.
 * @returns When the time is up.
 */
/**
 * The device authorization grant (RFC 8628): requests a device code (with `scope`, `audience`,
 * `resource` and extra `params`), hands the user code and verification URI to `onPrompt`, then polls the
 * token endpoint at the server's `interval` (default 5 s), 5 s slower after each `slow_down` (or at the
 * interval the server sends with it), until the user approves, denies (`access_denied`), or the code
 * expires (`expired_token`, or the `expires_in` deadline passes): all three end in an
 * {@linkcode OAuthError}. The caller's `AbortSignal` stops the wait at once. Renewals use the refresh
 * token, so the person is asked only once; the grant is `interactive`.
 *
 * @param options Endpoints (or issuer), client, scope and the prompt callback.
 * @returns The grant, for {@linkcode tokenSource}.
 * @throws {TypeError} When `onPrompt` is missing.
 * @throws {RangeError} When `interval` is not positive.
 * @example
 * ```ts
 * import { deviceCode, tokenSource } from "@authfetch/authfetch";
 * const tokens = tokenSource(deviceCode({
 *   issuer: "https://tenant.auth.example.com/",
 *   clientId: "my-cli",
 *   scope: "openid offline_access",
 *   audience: "https://api.example.com",
 *   onPrompt: ({ userCode, verificationUri }) =>
 *     console.log(`Open ${verificationUri} and enter ${userCode}`),
 * }));
 * // const { accessToken } = await tokens.getToken();
 * ```
 */
export function deviceCode(options: DeviceCodeOptions): Grant {
  if (typeof options.onPrompt !== "function") {
    throw new TypeError(
      `Cannot create deviceCode(): onPrompt must be a function, current value is ${typeof options
        .onPrompt}`,
    );
  }
  const fallbackInterval = options.interval ?? 5_000;
  if (!(fallbackInterval > 0) || !Number.isFinite(fallbackInterval)) {
    throw new RangeError(
      `Cannot create deviceCode(): interval must be > 0 ms, current value is ${fallbackInterval}`,
    );
  }
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;

  return withGrantKeys("device_code", options, {
    interactive: true,
    async token(request: GrantRequestOptions = {}): Promise<Token> {
      const { signal } = request;
      const url = await resolveEndpoint(
        options,
        "device_authorization_endpoint",
        options.deviceAuthorizationUrl,
      );
      const { body, status, secrets } = await postForm(options, url, {
        scope: scopeString(options.scope),
        audience: options.audience,
        resource: options.resource,
      }, { signal, context: "device authorization" });
      const started = now();
      const device = deviceResponse(body, status, secrets);
      let interval = device.interval !== undefined ? device.interval * 1000 : fallbackInterval;
      const expiresAt = started + device.expiresIn * 1000;
      const prompt: DevicePrompt = {
        userCode: device.userCode,
        verificationUri: device.verificationUri,
        expiresIn: device.expiresIn,
      };
      if (device.verificationUriComplete !== undefined) {
        prompt.verificationUriComplete = device.verificationUriComplete;
      }
      await options.onPrompt(prompt);
      for (let attempt = 0;; attempt++) {
        const remaining = expiresAt - now();
        if (remaining <= 0) throw expired(device.expiresIn);
        options.onPoll?.({ attempt, interval, expiresAt, remaining });
        await sleep(Math.min(interval, remaining), signal);
        signal?.throwIfAborted();
        if (now() >= expiresAt) throw expired(device.expiresIn);
        try {
          return await requestToken(options, {
            grant_type: DEVICE_CODE_GRANT,
            device_code: device.deviceCode,
          }, { signal });
        } catch (error) {
          if (error instanceof OAuthError) {
            if (error.error === "authorization_pending") continue;
            if (error.error === "slow_down") {
              const given = error.body?.interval;
              interval = typeof given === "number" && given > 0 ? given * 1000 : interval + 5_000;
              continue;
            }
            throw error;
          }
          // RFC 8628 §3.5: on a connection error, back off exponentially and keep polling.
          if (
            !signal?.aborted && error instanceof TokenResponseError && error.status === undefined
          ) {
            interval *= 2;
            continue;
          }
          throw error;
        }
      }
    },
    refresh(token: Token, request: GrantRequestOptions = {}): Promise<Token> {
      return refreshWith(options, token.refreshToken!, request, token.accessToken);
    },
  });
}

function expired(expiresIn: number): OAuthError {
  return new OAuthError({
    error: "expired_token",
    errorDescription: `the user code was not approved within its ${expiresIn} s lifetime`,
    context: "device authorization",
  });
}

interface DeviceResponse {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  expiresIn: number;
  interval?: number;
}

function deviceResponse(
  body: Record<string, unknown>,
  status: number,
  secrets: Secrets,
): DeviceResponse {
  // Google still sends the draft names verification_url / verification_url_complete.
  const verificationUri = body.verification_uri ?? body.verification_url;
  const complete = body.verification_uri_complete ?? body.verification_url_complete;
  const expiresIn = typeof body.expires_in === "string" ? Number(body.expires_in) : body.expires_in;
  const interval = typeof body.interval === "string" ? Number(body.interval) : body.interval;
  const problem = typeof body.device_code !== "string" || body.device_code === ""
    ? "device_code"
    : typeof body.user_code !== "string" || body.user_code === ""
    ? "user_code"
    : typeof verificationUri !== "string"
    ? "verification_uri"
    : typeof expiresIn !== "number" || !(expiresIn > 0)
    ? "expires_in"
    : interval !== undefined && (typeof interval !== "number" || !(interval > 0))
    ? "interval"
    : undefined;
  if (problem !== undefined) {
    throw new TokenResponseError(
      `device authorization response has no valid ${problem}: ${
        excerpt(JSON.stringify(body), 120, secrets)
      }`,
      { status },
    );
  }
  const result: DeviceResponse = {
    deviceCode: body.device_code as string,
    userCode: body.user_code as string,
    verificationUri: verificationUri as string,
    expiresIn: expiresIn as number,
  };
  if (typeof complete === "string") result.verificationUriComplete = complete;
  if (interval !== undefined) result.interval = interval as number;
  return result;
}
