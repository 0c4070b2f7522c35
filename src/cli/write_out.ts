/**
 * `authfetch fetch -w FORMAT`: a subset of curl's `--write-out` variables.
 *
 * @module
 */

import { isSecretKey, REDACTED } from "../redact.ts";
import { UsageError } from "./errors.ts";

/** What `-w` can print about a finished request. */
export interface WriteOutFacts {
  /** The final status code. */
  status: number;
  /** The URL that answered (after redirects). */
  url: string;
  /** The method sent. */
  method: string;
  /** The response headers. */
  headers: Headers;
  /** Body bytes received. */
  size: number;
  /** Seconds from start to the end of the body. */
  seconds: number;
  /** Redirects followed. */
  redirects: number;
  /** The exit code authfetch ends with. */
  exitCode: number;
}

/** The variables `-w` knows, as curl names them. */
export const WRITE_OUT_VARIABLES: Record<string, (f: WriteOutFacts) => string> = {
  http_code: (f) => String(f.status).padStart(3, "0"),
  response_code: (f) => String(f.status).padStart(3, "0"),
  url_effective: (f) => f.url,
  method: (f) => f.method,
  content_type: (f) => f.headers.get("content-type") ?? "",
  size_download: (f) => String(f.size),
  time_total: (f) => f.seconds.toFixed(6),
  num_redirects: (f) => String(f.redirects),
  redirect_url: (f) => f.headers.get("location") ?? "",
  exitcode: (f) => String(f.exitCode),
};

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\" };

/**
 * Checks a format before the request is sent, so a typo is a usage error, not a wasted call.
 *
 * @param format The `-w` argument.
 * @throws {UsageError} On an unknown variable.
 */
export function checkWriteOut(format: string): void {
  for (const m of format.matchAll(/%\{([^}]*)\}/g)) {
    if (WRITE_OUT_VARIABLES[m[1]] === undefined) {
      throw new UsageError(
        `-w: unknown variable %{${m[1].slice(0, 40)}}; known: ${
          Object.keys(WRITE_OUT_VARIABLES).map((v) => `%{${v}}`).join(" ")
        } %header{NAME}`,
      );
    }
  }
}

/**
 * Expands `%{variable}`, `%header{name}`, `%%` and the `\n`, `\r`, `\t` escapes.
 *
 * @param format The `-w` argument.
 * @param facts What happened.
 * @returns The text to print.
 */
export function writeOut(format: string, facts: WriteOutFacts): string {
  return format.replace(
    /%\{([^}]*)\}|%header\{([^}]*)\}|%%|\\([nrt\\])/g,
    (all, variable?: string, header?: string, escape?: string) => {
      if (variable !== undefined) return WRITE_OUT_VARIABLES[variable]?.(facts) ?? all;
      if (header !== undefined) {
        const value = facts.headers.get(header) ?? "";
        // Credentials (set-cookie, …) stay out of the output, as everywhere but `token`.
        const secret = isSecretKey(header) || header.toLowerCase() === "set-cookie";
        return secret && value !== "" ? REDACTED : value;
      }
      if (escape !== undefined) return ESCAPES[escape];
      return "%";
    },
  );
}
