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
 * 3 for authentication failures, 1 for anything else.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof AuthFailedError) return EXIT.auth;
  if (error instanceof AuthFetchError) return AUTH_CODES.has(error.code) ? EXIT.auth : EXIT.failed;
  if (
    (error instanceof TypeError || error instanceof RangeError) &&
    error.message.startsWith("Cannot ")
  ) {
    return EXIT.usage;
  }
  return EXIT.failed;
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
  const own = error instanceof UsageError || error instanceof AuthFailedError;
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
