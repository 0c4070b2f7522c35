/**
 * Errors of the platform `fetch`, made fit to reach users: URLs lose their query, fragment and user
 * info, the secret values of the exchange are scrubbed, at every level of the cause chain, and the class
 * is kept (`instanceof TypeError` still holds).
 *
 * @module
 */

import { AuthFetchError } from "./errors.ts";
import { redactText, stripUrls } from "./redact.ts";
import { Secrets } from "./secrets.ts";

const NATIVE: ReadonlyArray<ErrorConstructor> = [
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
];

/** Messages and stacks longer than this are cut before they are scrubbed. */
const CAP = 8192;

/**
 * A platform text (message, stack) without URL queries, user info and secrets.
 *
 * @param text The text.
 * @param secrets The exchange's secrets.
 * @returns The scrubbed text.
 */
export function cleanPlatformText(text: string, secrets?: Secrets): string {
  const truncated = text.length > CAP;
  let out = stripUrls(truncated ? text.slice(0, CAP) : text);
  if (secrets !== undefined) out = secrets.scrub(out, truncated);
  return redactText(out) + (truncated ? "…" : "");
}

/**
 * The error as users may see it: the same error when nothing in it needed scrubbing (and for the
 * library's own errors, which are built clean), else a new error of the same class whose message,
 * stack, string properties and causes (to depth 4) are scrubbed.
 *
 * @param error What the platform threw.
 * @param secrets The secret values of the exchange.
 * @returns The error to rethrow.
 */
export function cleanError(error: unknown, secrets?: Secrets, depth = 0): unknown {
  if (typeof error === "string") return cleanPlatformText(error, secrets);
  if (!(error instanceof Error) || error instanceof AuthFetchError) return error;
  const cause = (error as { cause?: unknown }).cause;
  const cleanCause = depth < 4 && cause !== undefined
    ? cleanError(cause, secrets, depth + 1)
    : cause;
  const message = cleanPlatformText(error.message, secrets);
  const stack = error.stack === undefined ? undefined : cleanPlatformText(error.stack, secrets);
  const props: [string, unknown][] = [];
  let changed = message !== error.message || stack !== error.stack || cleanCause !== cause;
  for (const key of Object.keys(error)) {
    if (key === "message" || key === "stack" || key === "cause") continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    const clean = typeof value === "string" ? cleanPlatformText(value, secrets) : value;
    if (clean !== value) changed = true;
    props.push([key, clean]);
  }
  if (!changed) return error;
  let copy: Error;
  const options = cleanCause === undefined ? undefined : { cause: cleanCause };
  if (typeof DOMException !== "undefined" && error instanceof DOMException) {
    copy = new DOMException(message, error.name);
  } else if (NATIVE.includes(error.constructor as ErrorConstructor)) {
    copy = new (error.constructor as ErrorConstructor)(message, options);
  } else {
    // Another class: keep its prototype, so instanceof still holds.
    copy = Object.create(Object.getPrototypeOf(error));
    Object.defineProperty(copy, "message", { value: message, writable: true, configurable: true });
    if (options !== undefined) {
      Object.defineProperty(copy, "cause", {
        value: cleanCause,
        writable: true,
        configurable: true,
      });
    }
  }
  if (error.name !== copy.name) {
    Object.defineProperty(copy, "name", { value: error.name, writable: true, configurable: true });
  }
  if (stack !== undefined) {
    Object.defineProperty(copy, "stack", { value: stack, writable: true, configurable: true });
  }
  for (const [key, value] of props) (copy as unknown as Record<string, unknown>)[key] = value;
  return copy;
}

/**
 * The secrets a request carries to the platform: its credential headers and the values of its query
 * parameters (an API key sent as `?key=…` has no secret-looking name).
 *
 * @param request The request.
 * @returns The secrets.
 */
export function requestSecrets(request: Request): Secrets {
  const secrets = new Secrets().addHeaders(request.headers);
  const query = request.url.indexOf("?");
  if (query !== -1) {
    const end = request.url.indexOf("#", query);
    for (
      const [, value] of new URLSearchParams(
        request.url.slice(query + 1, end === -1 ? undefined : end),
      )
    ) {
      secrets.add(value);
    }
  }
  return secrets;
}

/**
 * What the platform `fetch` threw for a pipeline's request, cleaned ({@linkcode cleanError}) of the
 * request's URL query, user info and credentials (`platform_next.ts` loads it when a send fails).
 *
 * @param error What the platform threw.
 * @param request The request sent.
 * @returns The error to rethrow.
 */
export function cleanSendError(error: unknown, request: Request): unknown {
  return cleanError(error, requestSecrets(request));
}

/**
 * Reads a body with `read` (such as `readCapped`), and when the connection fails mid-body rethrows
 * the error with the platform's message and cause scrubbed of the exchange's secrets.
 *
 * @param read Reads the body.
 * @param secrets The exchange's secrets.
 * @returns The body text.
 * @throws {TokenResponseError} When the body cannot be read.
 */
export async function readClean(read: () => Promise<string>, secrets: Secrets): Promise<string> {
  try {
    return await read();
  } catch (error) {
    // The same decision as the token endpoint client's: `readFailure()` in exchange_errors.ts.
    throw (await import("./lazy.ts")).readFailure(error, secrets);
  }
}
