/**
 * Exit codes and one-line error reports for the CLI.
 *
 * @module
 */

import { AuthFetchError } from "../errors.ts";
import { redactText } from "../redact.ts";

/**
 * The CLI's exit codes.
 *
 * @example
 * ```ts
 * import { EXIT, run } from "@authfetch/authfetch/cli";
 * const code = await run(["--version"], { stdout: () => Promise.resolve() });
 * console.log(code === EXIT.ok); // true
 * ```
 */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** A request failed: network error, HTTP error status, malformed answer, store trouble. */
  failed: 1,
  /** The command line or the configuration is wrong. */
  usage: 2,
  /** Authentication failed: credentials or grant rejected, login denied or expired, not logged in. */
  auth: 3,
  /** The host name did not resolve (curl's 6). */
  resolve: 6,
  /** A network failure: connection refused or reset, TLS failure, no answer (curl's 7). */
  network: 7,
  /** `fetch`: the server answered with an HTTP error status, 400 or above, other than a final 401 (curl's 22). */
  http: 22,
  /** The request or `--max-time` timed out (curl's 28). */
  timeout: 28,
  /** `fetch`: more redirects than `--max-redirs` (curl's 47). */
  redirects: 47,
} as const;

/** A mistake in the command line or configuration: exit code 2. */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong and how to fix it.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** `fetch` got an HTTP error status: exit 22, as `curl --fail`. */
export class HttpStatusError extends Error {
  /**
   * Creates the error.
   *
   * @param message Which request got which status.
   */
  constructor(message: string) {
    super(message);
    this.name = "HttpStatusError";
  }
}

/** Authentication failed in a way the library does not report as an error (a 401 answer): exit 3. */
export class AuthFailedError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was refused.
   */
  constructor(message: string) {
    super(message);
    this.name = "AuthFailedError";
  }
}

const AUTH_CODES = new Set(["oauth_error", "state_error", "id_token_error", "token_unavailable"]);

/**
 * The exit code for an error.
 *
 * @param error What was thrown.
 * @returns 2 for usage and configuration mistakes (including the library's "Cannot …" option errors),
 * 3 for authentication failures, 6/7 for network failures, 22 for an HTTP error status, 28 for a
 * timeout, 47 for too many redirects, 1 for anything else.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof AuthFailedError) return EXIT.auth;
  if (error instanceof HttpStatusError) return EXIT.http;
  if (error instanceof DOMException && error.name === "TimeoutError") return EXIT.timeout;
  if (error instanceof AuthFetchError) {
    if (error.code === "timeout") return EXIT.timeout;
    if (AUTH_CODES.has(error.code)) return EXIT.auth;
    const network = networkCode(error.cause);
    return network ?? EXIT.failed;
  }
  if (error instanceof TypeError && /^Too many redirects/.test(error.message)) {
    return EXIT.redirects;
  }
  const network = networkCode(error);
  if (network !== undefined) return network;
  if (
    (error instanceof TypeError || error instanceof RangeError) &&
    error.message.startsWith("Cannot ")
  ) {
    return EXIT.usage;
  }
  return EXIT.failed;
}

/**
 * Whether an error is the platform's network failure (`fetch` rejecting with a `TypeError`), and which.
 *
 * @param error What was thrown.
 * @returns 6 when the host did not resolve, 7 for another network failure, else `undefined`.
 */
function networkCode(error: unknown): number | undefined {
  if (!(error instanceof TypeError) || error.message.startsWith("Cannot ")) return undefined;
  const text = `${error.message} ${(error.cause as Error | undefined)?.message ?? ""}`;
  if (/dns error|failed to lookup|name resolution|ENOTFOUND|EAI_AGAIN/i.test(text)) {
    return EXIT.resolve;
  }
  if (
    /error sending request|connection|connect|network|tcp|tls|certificate|socket|reset|refused|fetch failed/i
      .test(text)
  ) return EXIT.network;
  return undefined;
}

/**
 * The error as one line, secrets redacted.
 *
 * @param error What was thrown.
 * @returns The message without newlines.
 */
export function oneLine(error: unknown): string {
  let message: string;
  if (error instanceof DOMException && error.name === "AbortError") message = "cancelled";
  else if (error instanceof Error) message = error.message || error.name;
  else message = String(error);
  // Network failures from fetch carry the useful part in the cause.
  const cause = (error as { cause?: unknown })?.cause;
  if (error instanceof TypeError && cause instanceof Error && !message.includes(cause.message)) {
    message = `${message}: ${cause.message}`;
  }
  // The CLI's own messages carry no secrets (and "token: set …" is not one); all others are redacted.
  const own = error instanceof UsageError || error instanceof AuthFailedError ||
    error instanceof HttpStatusError;
  return (own ? message : redactText(message)).replace(/\s*\n\s*/g, " ").trim();
}

/**
 * The error with its stack and causes, secrets redacted, for `--debug`.
 *
 * @param error What was thrown.
 * @returns Several lines.
 */
export function details(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const text = current instanceof Error ? current.stack ?? current.message : String(current);
    lines.push(`${depth === 0 ? "" : "caused by: "}${redactText(text)}`);
    current = (current as { cause?: unknown })?.cause;
  }
  return lines.join("\n");
}
