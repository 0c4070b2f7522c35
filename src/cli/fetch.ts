/**
 * `authfetch fetch`: a curl-like authenticated request through `retry()` and `auth()`.
 *
 * @module
 */

import { createFetch, type Handler } from "../pipeline.ts";
import { retry } from "../handlers/retry.ts";
import { auth } from "../handlers/auth.ts";
import { apiKey } from "../handlers/api_key.ts";
import { isSecretKey, REDACTED } from "../redact.ts";
import { parse } from "./args.ts";
import { resolveProfile, Secrets } from "./config.ts";
import { type Context, profileTokens, say } from "./context.ts";
import { AuthFailedError, EXIT, UsageError } from "./errors.ts";
import { grantName } from "./grants.ts";
import { readAllText } from "./io.ts";
import { discoveredTokens, discoversCredentials } from "./discover.ts";

const OPTIONS = {
  request: { type: "string", short: "X" },
  header: { type: "string", short: "H", multiple: true },
  data: { type: "string", short: "d" },
  include: { type: "boolean", short: "i" },
  verbose: { type: "boolean", short: "v" },
  retries: { type: "string" },
} as const;

function headerLine(name: string, value: string): string {
  const secret = isSecretKey(name) || name.toLowerCase() === "set-cookie";
  if (!secret) return `${name}: ${value}`;
  // Keep the scheme ("Bearer"), hide the credential.
  const scheme = /^([A-Za-z-]+)\s+\S/.exec(value)?.[1];
  return `${name}: ${
    scheme && name.toLowerCase() === "authorization" ? `${scheme} ` : ""
  }${REDACTED}`;
}

async function body(ctx: Context, data: string): Promise<BodyInit> {
  if (!data.startsWith("@")) return data;
  const path = data.slice(1);
  if (path === "-") return await readAllText(ctx.io.stdin());
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read --data file ${path}: ${(error as Error).message}`);
  }
}

/**
 * `authfetch fetch URL`.
 *
 * @param ctx The context.
 * @param args The arguments after `fetch`.
 * @returns The exit code.
 */
export async function fetchCommand(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parse("fetch", args, OPTIONS, 1);
  const target = positionals[0];
  if (target === undefined) throw new UsageError("fetch needs a URL (see authfetch fetch --help)");
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`"${target.slice(0, 200)}" is not an absolute URL`);
  }
  const retries = values.retries === undefined ? 2 : Number(values.retries);
  if (!Number.isInteger(retries) || retries < 0) {
    throw new UsageError(`--retries must be a whole number ≥ 0, not "${values.retries}"`);
  }
  const headers = new Headers();
  for (const line of (values.header as string[] | undefined) ?? []) {
    const colon = line.indexOf(":");
    if (colon < 1) {
      throw new UsageError(`--header must look like "Name: value", not "${line.slice(0, 60)}"`);
    }
    try {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      throw new UsageError(`--header "${line.slice(0, colon)}" is not a valid header`);
    }
  }
  const data = values.data === undefined ? undefined : await body(ctx, values.data as string);
  const method = ((values.request as string | undefined) ?? (data === undefined ? "GET" : "POST"))
    .toUpperCase();

  const resolved = await resolveProfile(ctx.io, values);
  const secrets = new Secrets(ctx.io, resolved.profile);
  const origins = resolved.profile.origins;
  let credentials: Handler;
  if (discoversCredentials(resolved, secrets)) {
    credentials = auth(await discoveredTokens(ctx, url, resolved, secrets));
  } else if (grantName(resolved, secrets) === "api_key") {
    credentials = apiKey(await secrets.required("apiKey", "API key"), {
      header: resolved.profile.apiKeyHeader,
      query: resolved.profile.apiKeyQuery,
      origins,
    });
  } else {
    credentials = auth((await profileTokens(ctx, resolved)).tokens, { origins });
  }
  const verbose = values.verbose === true;
  const started = ctx.io.now();
  const handlers: Handler[] = [
    retry({
      retries,
      onRetry: (event) => {
        if (verbose) {
          const why = event.status !== undefined ? `HTTP ${event.status}` : "network error";
          void say(ctx, `* retry ${event.attempt} after ${why}, in ${Math.round(event.delay)} ms`);
        }
      },
    }),
    credentials,
  ];
  if (verbose) {
    handlers.push(async function log(request, next) {
      const sent = ctx.io.now();
      await say(ctx, `> ${request.method} ${request.url}`);
      for (const [name, value] of request.headers) await say(ctx, `> ${headerLine(name, value)}`);
      const response = await next(request);
      await say(
        ctx,
        `< HTTP ${response.status} ${response.statusText} (${ctx.io.now() - sent} ms)`,
      );
      return response;
    });
  }
  const api = createFetch(handlers);
  const response = await api(url, { method, headers, body: data, signal: ctx.io.signal });
  if (values.include) {
    let head = `HTTP ${response.status} ${response.statusText}\n`;
    for (const [name, value] of response.headers) head += `${headerLine(name, value)}\n`;
    await ctx.io.stdout(`${head}\n`);
  }
  if (response.body !== null) {
    for await (const chunk of response.body) await ctx.io.stdout(chunk);
  }
  if (verbose) await say(ctx, `* ${response.status} in ${ctx.io.now() - started} ms`);
  if (response.status === 401) {
    throw new AuthFailedError(
      `${method} ${url.origin}${url.pathname} answered HTTP 401 Unauthorized`,
    );
  }
  if (response.status >= 400) {
    await say(
      ctx,
      `authfetch: ${method} ${url.origin}${url.pathname} answered HTTP ${response.status} ${response.statusText}`,
    );
    return EXIT.failed;
  }
  return EXIT.ok;
}
