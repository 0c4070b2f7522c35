/**
 * `authfetch fetch`: a curl-like authenticated request through `retry()` and `auth()`. The flags it
 * shares with curl mean what they mean in curl (see docs/cli.md for the table); where it differs on
 * purpose (redirects followed by default, HTTP errors fail by default) its help says so.
 *
 * @module
 */

import { createFetch, type Handler } from "../pipeline.ts";
import { retry } from "../handlers/retry.ts";
import { auth } from "../handlers/auth.ts";
import { apiKey } from "../handlers/api_key.ts";
import { isSecretKey, REDACTED } from "../redact.ts";
import { parse, seconds } from "./args.ts";
import { type Resolved, resolveProfile, Secrets } from "./config.ts";
import { type Context, profileTokens, say } from "./context.ts";
import { AuthFailedError, EXIT, exitCodeOf, HttpStatusError, UsageError } from "./errors.ts";
import { grantName } from "./grants.ts";
import { FETCH_OPTIONS, requestSpec } from "./fetch_request.ts";
import { checkWriteOut, writeOut } from "./write_out.ts";
import { discoveredTokens, discoversCredentials } from "./discover.ts";

function headerLine(name: string, value: string): string {
  const secret = isSecretKey(name) || name.toLowerCase() === "set-cookie";
  if (!secret) return `${name}: ${value}`;
  // Keep the scheme ("Bearer"), hide the credential.
  const scheme = /^([A-Za-z-]+)\s+\S/.exec(value)?.[1];
  return `${name}: ${
    scheme && name.toLowerCase() === "authorization" ? `${scheme} ` : ""
  }${REDACTED}`;
}

/**
 * The handler that puts the profile's credentials on the request: an API key, or the token from the
 * profile's grant through `auth()`.
 *
 * This is the one place that decides how `fetch` authenticates. A profile that says nothing about how
 * to get a token ends in {@linkcode grantName}'s usage error today; discovering it from the resource
 * (`url`'s protected-resource metadata, RFC 9728) would go here, before that error.
 *
 * @param ctx The context.
 * @param resolved The profile, flags applied.
 * @param _url The request's URL (for discovery from the resource; unused yet).
 * @returns The credentials handler.
 * @throws {UsageError} When the profile is incomplete.
 */
async function credentialsFor(ctx: Context, resolved: Resolved, url: URL): Promise<Handler> {
  const secrets = new Secrets(ctx.io, resolved.profile);
  const origins = resolved.profile.origins;
  if (discoversCredentials(resolved, secrets)) {
    return auth(await discoveredTokens(ctx, url, resolved, secrets));
  }
  if (grantName(resolved, secrets) === "api_key") {
    return apiKey(await secrets.required("apiKey", "API key"), {
      header: resolved.profile.apiKeyHeader,
      query: resolved.profile.apiKeyQuery,
      origins,
    });
  }
  return auth((await profileTokens(ctx, resolved)).tokens, { origins });
}

function wholeNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(`--${name} must be a whole number ≥ 0, not "${value}"`);
  }
  return n;
}

/**
 * Where the body (and with `-i` the head) goes: standard output, or the `-o` file. The file is opened
 * before the request (an unwritable path is a usage error, not a wasted call) but only emptied once
 * there is something to write, so a failed request leaves an existing file as it was and creates none.
 */
async function sink(ctx: Context, output: string | undefined): Promise<{
  begin(): Promise<void>;
  write(chunk: Uint8Array | string): Promise<void>;
  close(): Promise<void>;
}> {
  if (output === undefined || output === "-") {
    return { begin: () => Promise.resolve(), write: ctx.io.stdout, close: () => Promise.resolve() };
  }
  const existed = await Deno.lstat(output).then(() => true, () => false);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(output, { write: true, create: true });
  } catch (error) {
    throw new UsageError(`Cannot write --output file ${output}: ${(error as Error).message}`);
  }
  const encoder = new TextEncoder();
  let begun = false;
  return {
    async begin() {
      if (!begun) await file.truncate(0);
      begun = true;
    },
    async write(chunk) {
      let bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
      while (bytes.byteLength > 0) bytes = bytes.subarray(await file.write(bytes));
    },
    async close() {
      file.close();
      if (!begun && !existed) await Deno.remove(output).catch(() => {});
    },
  };
}

/**
 * `authfetch fetch URL`.
 *
 * @param ctx The context.
 * @param args The arguments after `fetch`.
 * @returns The exit code.
 */
export async function fetchCommand(ctx: Context, args: string[]): Promise<number> {
  const parsed = parse("fetch", args, FETCH_OPTIONS, 1);
  const { values } = parsed;
  const verbose = values.verbose === true;
  // -s: no error report for a failed request (usage errors are still reported); -S or -v bring it back.
  if (values.silent && !values["show-error"] && !verbose) ctx.quiet = true;
  const spec = await requestSpec(ctx, parsed);
  if (spec.body !== undefined && (spec.method === "GET" || spec.method === "HEAD")) {
    throw new UsageError(
      `A ${spec.method} request cannot carry -d data here; use -G to send it in the query`,
    );
  }
  if (values.retries !== undefined && values.retry !== undefined) {
    throw new UsageError("Give --retry or --retries, not both (they are the same)");
  }
  const retries = wholeNumber(
    values.retry !== undefined ? "retry" : "retries",
    values.retry ?? values.retries,
    2,
  );
  const maxRedirects = wholeNumber("max-redirs", values["max-redirs"], 20);
  const maxTime = values["max-time"] === undefined
    ? undefined
    : seconds("max-time", values["max-time"], 0);
  const format = values["write-out"] as string | undefined;
  if (format !== undefined) checkWriteOut(format);
  const failBody = values.fail !== true || values["fail-with-body"] === true;
  const include = values.include === true || values.head === true;

  const resolved = await resolveProfile(ctx.io, values);
  const credentials = await credentialsFor(ctx, resolved, spec.url);
  const started = ctx.io.now();
  let answeredBy = spec.url.href;
  let redirects = 0;
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
    // Innermost: every hop of a redirect passes here, so it sees which URL answered.
    async function observe(request, next) {
      const sent = ctx.io.now();
      if (verbose) {
        await say(ctx, `> ${request.method} ${request.url}`);
        for (const [name, value] of request.headers) await say(ctx, `> ${headerLine(name, value)}`);
      }
      const response = await next(request);
      answeredBy = request.url;
      if (response.status >= 300 && response.status < 400 && response.headers.has("location")) {
        redirects++;
      }
      if (verbose) {
        await say(
          ctx,
          `< HTTP ${response.status} ${response.statusText} (${ctx.io.now() - sent} ms)`,
        );
        for (const [name, value] of response.headers) {
          await say(ctx, `< ${headerLine(name, value)}`);
        }
      }
      return response;
    },
  ];
  const api = createFetch(handlers, { maxRedirects });
  const signal = maxTime === undefined
    ? ctx.io.signal
    : AbortSignal.any([ctx.io.signal, AbortSignal.timeout(maxTime)]);
  const timedOut = (error: unknown): never => {
    if (maxTime !== undefined && signal.aborted && !ctx.io.signal.aborted) {
      throw new DOMException(`--max-time ${maxTime / 1000} s elapsed`, "TimeoutError");
    }
    throw error;
  };

  // Opened before the request, so an unwritable -o is a usage error rather than a wasted call.
  const out = await sink(ctx, values.output as string | undefined);
  let response: Response;
  try {
    response = await api(spec.url, {
      method: spec.method,
      headers: spec.headers,
      body: spec.body as BodyInit | undefined,
      signal,
    }).catch(timedOut);
  } catch (error) {
    await out.close();
    throw error;
  }
  const where = new URL(answeredBy);
  const described = `${spec.method} ${where.origin}${where.pathname}`;
  let failure: Error | undefined;
  if (response.status === 401) {
    failure = new AuthFailedError(`${described} answered HTTP 401 Unauthorized`);
  } else if (response.status >= 400) {
    failure = new HttpStatusError(
      `${described} answered HTTP ${response.status} ${response.statusText}`.trimEnd(),
    );
  }
  let size = 0;
  try {
    const showBody = failure === undefined || failBody;
    if (showBody) await out.begin();
    if (include && showBody) {
      let head = `HTTP ${response.status} ${response.statusText}`.trimEnd() + "\r\n";
      for (const [name, value] of response.headers) head += `${headerLine(name, value)}\r\n`;
      await out.write(`${head}\r\n`);
    }
    if (response.body !== null) {
      if (showBody) {
        for await (const chunk of response.body) {
          size += chunk.byteLength;
          await out.write(chunk);
        }
      } else await response.body.cancel();
    }
  } catch (error) {
    timedOut(error);
  } finally {
    await out.close();
  }
  if (verbose) await say(ctx, `* ${response.status} in ${ctx.io.now() - started} ms`);
  const code = failure === undefined ? EXIT.ok : exitCodeOf(failure);
  if (format !== undefined) {
    await ctx.io.stdout(writeOut(format, {
      status: response.status,
      url: answeredBy,
      method: spec.method,
      headers: response.headers,
      size,
      seconds: (ctx.io.now() - started) / 1000,
      redirects,
      exitCode: code,
    }));
  }
  if (failure !== undefined) throw failure;
  return EXIT.ok;
}
