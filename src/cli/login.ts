/**
 * `authfetch login`: the device flow, or the authorization code flow with PKCE through a loopback
 * redirect (RFC 8252), or the profile's own grant; the tokens go to the file store under the profile.
 *
 * @module
 */

import { deviceCode, type DevicePrompt } from "../grants/device_code.ts";
import { authorizationCode } from "../grants/authorization_code.ts";
import type { Token } from "../tokens/token.ts";
import { startDeadline } from "../deadline.ts";
import { TimeoutError } from "../errors.ts";
import { validateIdToken } from "../oauth/id_token.ts";
import { parse, seconds } from "./args.ts";
import { type Resolved, resolveProfile, Secrets, storeKey, storeOf } from "./config.ts";
import { type Context, say } from "./context.ts";
import { EXIT, oneLine, UsageError } from "./errors.ts";
import { endpointOptions, grantName, needClientId, needEndpoint, tokenGrant } from "./grants.ts";
import { type CliIo, duration, StatusLine } from "./io.ts";

const OPTIONS = {
  device: { type: "boolean" },
  loopback: { type: "boolean" },
  open: { type: "boolean" },
  "browser-command": { type: "string" },
  port: { type: "string" },
  "poll-interval": { type: "string" },
  timeout: { type: "string" },
} as const;

/**
 * `true` when no browser can be opened here (SSH, or Linux without a display).
 *
 * @param io The terminal.
 * @returns Whether to only print URLs.
 */
export function headless(io: CliIo): boolean {
  if (io.env("SSH_CONNECTION") || io.env("SSH_TTY")) return true;
  return Deno.build.os === "linux" && !io.env("DISPLAY") && !io.env("WAYLAND_DISPLAY");
}

/**
 * `authfetch login`.
 *
 * @param ctx The context.
 * @param args The arguments after `login`.
 * @returns The exit code.
 */
export async function loginCommand(ctx: Context, args: string[]): Promise<number> {
  const { values } = parse("login", args, OPTIONS, 0);
  if (values.device && values.loopback) {
    throw new UsageError("Give --device or --loopback, not both (see authfetch login --help)");
  }
  const resolved = await resolveProfile(ctx.io, values);
  const secrets = new Secrets(ctx.io, resolved.profile);
  const configured = resolved.profile.grant;
  const flow = values.device
    ? "device"
    : values.loopback
    ? "loopback"
    : configured === "device_code"
    ? "device"
    : configured === "authorization_code"
    ? "loopback"
    : configured !== undefined
    ? "grant"
    : headless(ctx.io)
    ? "device"
    : "loopback";
  const timeoutMs = seconds("timeout", values.timeout, 600_000);
  // The shared deadline clock of every exchange (src/deadline.ts), linked to the CLI's own signal.
  const deadline = startDeadline(
    timeoutMs,
    ctx.io.signal,
    () => `login timed out after ${timeoutMs / 1000} s`,
  );
  const signal = deadline.signal;
  let token: Token;
  try {
    if (flow === "grant") {
      if (grantName(resolved, secrets) === "api_key") {
        throw new UsageError(
          `Profile "${resolved.name}" uses an API key: there is nothing to log in to`,
        );
      }
      token = await tokenGrant(resolved, secrets).token({ signal });
    } else if (flow === "device") {
      token = await deviceLogin(ctx, resolved, secrets, values, signal);
    } else {
      token = await loopbackLogin(ctx, resolved, secrets, values, signal);
    }
  } catch (error) {
    if (signal.aborted && signal.reason instanceof TimeoutError) throw signal.reason;
    throw error;
  } finally {
    deadline.end();
  }
  await storeOf(resolved).set(await storeKey(resolved), token);
  const parts = [`Logged in with profile "${resolved.name}"`];
  const claims = (token as { idTokenClaims?: Record<string, unknown> }).idTokenClaims;
  const person = who(claims);
  if (person !== undefined) parts[0] += ` as ${person}`;
  // The claims are for this message; the store keeps the token as the server sent it.
  delete (token as { idTokenClaims?: unknown }).idTokenClaims;
  if (token.expiresAt !== undefined) {
    parts.push(`access token valid for ${duration((token.expiresAt - ctx.io.now()) / 1000)}`);
  }
  parts.push(token.refreshToken ? "refresh token stored" : "no refresh token");
  await say(ctx, ctx.paint.green(`${parts.join("; ")}.`));
  return EXIT.ok;
}

async function deviceLogin(
  ctx: Context,
  resolved: Resolved,
  secrets: Secrets,
  values: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Token> {
  needEndpoint(resolved);
  needClientId(resolved);
  const options = await endpointOptions(resolved, secrets);
  const status = new StatusLine(ctx.io);
  let lastLine = 0;
  const grant = deviceCode({
    ...options,
    deviceAuthorizationUrl: resolved.profile.deviceAuthorizationUrl,
    interval: seconds("poll-interval", values["poll-interval"], 5_000),
    onPrompt: async (prompt: DevicePrompt) => {
      const { bold } = ctx.paint;
      await say(
        ctx,
        `To log in, open ${bold(prompt.verificationUri)} and enter the code: ${
          bold(prompt.userCode)
        }`,
      );
      if (prompt.verificationUriComplete !== undefined) {
        await say(ctx, `(or open ${prompt.verificationUriComplete})`);
      }
      if (values.open || values["browser-command"] !== undefined) {
        await openBrowser(
          ctx,
          prompt.verificationUriComplete ?? prompt.verificationUri,
          values["browser-command"] as string | undefined,
        );
      }
      lastLine = ctx.io.now();
      status.start("Waiting for you to approve the login", ctx.io.now() + prompt.expiresIn * 1000);
    },
    onPoll: ({ attempt }) => {
      // Plain lines (no terminal) at most every 30 s; the spinner redraws itself.
      if (!ctx.io.stderrIsTerminal && ctx.io.now() - lastLine < 30_000) return;
      lastLine = ctx.io.now();
      const checks = attempt + 1;
      status.line(
        `Still waiting for approval (${checks} ${checks === 1 ? "check" : "checks"} so far)`,
      );
    },
  });
  let token: Token;
  try {
    token = await grant.token({ signal });
  } finally {
    status.stop();
  }
  return await checkedIdToken(ctx, resolved, token);
}

/**
 * The device flow's ID token, validated like the loopback flow's (signature against the issuer's JWKS,
 * `iss`, `aud`, `exp`): its claims say who logged in. Without an issuer to validate against it is
 * dropped rather than stored or printed unchecked.
 */
async function checkedIdToken(ctx: Context, resolved: Resolved, token: Token): Promise<Token> {
  if (token.idToken === undefined) return token;
  const p = resolved.profile;
  if (p.issuer === undefined) {
    await say(
      ctx,
      ctx.paint.yellow("The ID token was not stored: without --issuer it cannot be validated."),
    );
    return { ...token, idToken: undefined };
  }
  const idTokenClaims = await validateIdToken(token.idToken, {
    issuer: p.issuer,
    clientId: p.clientId!,
    now: ctx.io.now,
    allowInsecureHttp: p.allowInsecureHttp,
  });
  return { ...token, idTokenClaims } as Token;
}

/** Who logged in, from validated ID token claims: `alice@example.com (sub 248289761001)`. */
export function who(claims: Record<string, unknown> | undefined): string | undefined {
  if (claims === undefined || typeof claims.sub !== "string") return undefined;
  const name = [claims.email, claims.preferred_username, claims.name].find((v) =>
    typeof v === "string" && v !== ""
  );
  return name === undefined ? claims.sub : `${name} (sub ${claims.sub})`;
}

async function loopbackLogin(
  ctx: Context,
  resolved: Resolved,
  secrets: Secrets,
  values: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Token> {
  needEndpoint(resolved);
  const clientId = needClientId(resolved);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a port number 0-65535, not "${values.port}"`);
  }
  const options = await endpointOptions(resolved, secrets);
  const callback = Promise.withResolvers<URL>();
  const outcome = Promise.withResolvers<string | undefined>();
  let received = false;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port,
    signal,
    onListen: () => {},
  }, async (request) => {
    const url = new URL(request.url);
    if (url.pathname !== "/callback" || request.method !== "GET") {
      return new Response("Not found", { status: 404 });
    }
    if (received) {
      return page("Already done", "This login was already handled. You can close this tab.");
    }
    received = true;
    callback.resolve(url);
    const failure = await outcome.promise;
    return failure === undefined
      ? page(
        "Signed in",
        "authfetch received the login. You can close this tab and return to the terminal.",
      )
      : page("Login failed", `authfetch could not complete the login: ${failure}`, 400);
  });
  const redirectUri = `http://127.0.0.1:${server.addr.port}/callback`;
  const status = new StatusLine(ctx.io);
  try {
    const flow = authorizationCode({
      ...options,
      clientId,
      authorizationUrl: resolved.profile.authorizationUrl,
      redirectUri,
    });
    const started = await flow.start({ signal });
    await say(ctx, `To log in, open this URL in your browser:\n${started.url.href}`);
    if (values.open || values["browser-command"] !== undefined) {
      await openBrowser(ctx, started.url.href, values["browser-command"] as string | undefined);
    }
    status.start(`Waiting for the browser on ${redirectUri}`);
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => {});
    const url = await Promise.race([callback.promise, aborted]);
    status.stop();
    try {
      const token = await flow.finish(url, {
        state: started.state,
        codeVerifier: started.codeVerifier,
        nonce: started.nonce,
        redirectUri,
        signal,
      });
      outcome.resolve(undefined);
      return token;
    } catch (error) {
      outcome.resolve(escapeHtml(oneLine(error)));
      throw error;
    }
  } finally {
    status.stop();
    outcome.resolve("the login was cancelled");
    await server.shutdown().catch(() => {});
    await server.finished.catch(() => {});
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, text: string, status = 200): Response {
  const body =
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>authfetch: ${title}</title>` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
    `<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">` +
    `<h1>${title}</h1><p>${text}</p></body></html>`;
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    },
  });
}

/**
 * Splits a command line on spaces, honouring single and double quotes.
 *
 * @param command The command line.
 * @returns The words.
 */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  for (const m of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

/**
 * Opens `url` in the browser (`open`, `start`, `xdg-open`, or `command`); says so when that fails.
 *
 * @param ctx The context.
 * @param url The URL.
 * @param command A browser command line instead of the platform's.
 */
export async function openBrowser(ctx: Context, url: string, command?: string): Promise<void> {
  const argv = command !== undefined
    ? splitCommand(command)
    : Deno.build.os === "darwin"
    ? ["open"]
    : Deno.build.os === "windows"
    ? ["cmd", "/c", "start", ""]
    : ["xdg-open"];
  if (argv.length === 0) throw new UsageError("--browser-command is empty");
  try {
    const child = new Deno.Command(argv[0], {
      args: [...argv.slice(1), url],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child.unref();
    child.status.catch(() => {});
  } catch (error) {
    await say(
      ctx,
      ctx.paint.yellow(`Could not start ${argv[0]} (${oneLine(error)}); open the URL yourself.`),
    );
  }
}
