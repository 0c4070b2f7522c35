/**
 * The errors of an exchange with an authorization server that failed, built only when one fails: the
 * token endpoint client (`token_request.ts`), JSON login and `readCapped()` load this module with
 * `import()` (through `src/lazy.ts`) on their failure paths, which are asynchronous already, so the
 * code a successful exchange runs carries none of these messages. Every text quoted from a server
 * goes through `excerpt()` with the exchange's secrets.
 *
 * @module
 */

import { AuthFetchError, type OAuthError, TokenResponseError } from "../errors.ts";
import { safeUrl } from "../pipeline.ts";
import { cleanError } from "../platform_error.ts";
import { excerpt } from "../redact.ts";
import type { Secrets } from "../secrets.ts";
import { oauthErrorOf, type Token, tokenFromResponse } from "../tokens/token.ts";
import { secretsOf, type SentSecrets } from "./sent_secrets.ts";

/** The secrets of an exchange: a {@linkcode Secrets}, or what it sent, made one here. */
type SecretsOf = Secrets | SentSecrets | undefined;

/**
 * A request that could not be sent or got no answer.
 *
 * @param context What was asked (`"token request"`).
 * @param url Where to.
 * @param error What the platform threw; its message and causes are scrubbed of `secrets`.
 * @param secrets The secrets of the exchange.
 * @returns The error to throw, the cleaned error as its cause.
 */
export function sendError(
  context: string,
  url: URL,
  error: unknown,
  secrets: SecretsOf,
): TokenResponseError {
  const clean = cleanError(error, secretsOf(secrets));
  return new TokenResponseError(
    `${context} to ${safeUrl(url)} failed: ${
      clean instanceof Error ? clean.message : "the request could not be sent"
    }`,
    { cause: clean },
  );
}

/** What a form exchange's redirect would have replayed, had it been followed. */
const FORM_REPLAY =
  "no code, verifier or refresh token is replayed to another address: check the endpoint URL";

/**
 * A redirect where an answer was expected: it is never followed.
 *
 * @param context What was asked.
 * @param status The redirect status.
 * @param what What following it would have sent, and what to check; by default, a form exchange's.
 * @returns The error to throw.
 */
export function redirectError(
  context: string,
  status: number,
  what: string = FORM_REPLAY,
): TokenResponseError {
  return new TokenResponseError(
    `${context} was answered with a redirect (HTTP ${status}); it is not followed, so ${what}`,
    { status },
  );
}

/**
 * An empty answer where a body was expected.
 *
 * @param context What was asked.
 * @param status The HTTP status.
 * @returns The error to throw.
 */
export function emptyBodyError(context: string, status: number): TokenResponseError {
  return new TokenResponseError(`${context} got an empty body with HTTP ${status}`, { status });
}

/**
 * The error for an answer that should have been JSON: an HTML page or other text, with a scrubbed
 * excerpt.
 *
 * @param context What was asked (`"token request"`).
 * @param status The HTTP status.
 * @param type The answer's content type (`""` when none).
 * @param text The answer's text.
 * @param secrets The secrets of the exchange, scrubbed from the excerpt.
 * @returns The error to throw.
 */
export function notJsonError(
  context: string,
  status: number,
  type: string,
  text: string,
  secrets?: SecretsOf,
): TokenResponseError {
  const kind = /html/i.test(type) || /^\s*</.test(text)
    ? "an HTML page"
    : `non-JSON (${type || "no content type"})`;
  return new TokenResponseError(
    `${context} got ${kind} with HTTP ${status}: ${excerpt(text, 120, secretsOf(secrets))}`,
    { status },
  );
}

/**
 * JSON that is not an object (an array, a string, `null`).
 *
 * @param context What was asked.
 * @param status The HTTP status.
 * @param text The answer's text.
 * @param secrets The secrets of the exchange, scrubbed from the excerpt.
 * @returns The error to throw.
 */
export function notObjectError(
  context: string,
  status: number,
  text: string,
  secrets?: SecretsOf,
): TokenResponseError {
  return new TokenResponseError(
    `${context} got JSON that is not an object with HTTP ${status}: ${
      excerpt(text, 120, secretsOf(secrets))
    }`,
    { status },
  );
}

/**
 * An error status whose body carries no OAuth error.
 *
 * @param context What was asked.
 * @param status The HTTP status.
 * @param text The answer's text.
 * @param secrets The secrets of the exchange, scrubbed from the excerpt.
 * @returns The error to throw.
 */
export function statusError(
  context: string,
  status: number,
  text: string,
  secrets?: SecretsOf,
): TokenResponseError {
  return new TokenResponseError(
    `${context} failed with HTTP ${status} and no OAuth error: ${
      excerpt(text, 120, secretsOf(secrets))
    }`,
    { status },
  );
}

/**
 * A body whose connection failed mid-way, its cause scrubbed of the exchange's secrets.
 *
 * @param error What `readCapped()` threw (a `TokenResponseError` with the platform's error as cause).
 * @param secrets The secrets of the exchange.
 * @returns The error to throw.
 */
export function readError(error: TokenResponseError, secrets: SecretsOf): TokenResponseError {
  const cause = cleanError(error.cause, secretsOf(secrets));
  return bodyError(
    error.status,
    cause,
    cause instanceof Error ? cause.message : "the connection failed",
  );
}

/**
 * A body that could not be read: the connection closed mid-body.
 *
 * @param status The answer's status.
 * @param cause What the platform threw.
 * @param reason Its message, for the error's.
 * @returns The error to throw.
 */
export function bodyError(
  status: number | undefined,
  cause: unknown,
  reason = (cause as Error | undefined)?.message,
): TokenResponseError {
  return new TokenResponseError(
    `reading the response body failed (HTTP ${status}): ${reason}`,
    { status, cause },
  );
}

/**
 * A body over the size cap.
 *
 * @param status The answer's status.
 * @param max The cap, bytes.
 * @param length The declared length, when the body was refused for it before reading.
 * @returns The error to throw.
 */
export function tooLargeError(status: number, max: number, length?: number): TokenResponseError {
  return new TokenResponseError(
    length === undefined
      ? `response body is more than the ${max}-byte limit`
      : `response body is ${length} bytes, more than the ${max}-byte limit`,
    { status },
  );
}

/**
 * What a failed send becomes: the library's own errors (a deadline's `TimeoutError`) as they are,
 * anything else the platform threw as {@linkcode sendError}.
 *
 * @param context What was asked.
 * @param url Where to.
 * @param error What was thrown.
 * @param secrets The secrets of the exchange.
 * @returns The error to throw.
 */
export function sendFailure(
  context: string,
  url: URL,
  error: unknown,
  secrets: SecretsOf,
): unknown {
  return error instanceof AuthFetchError ? error : sendError(context, url, error, secrets);
}

/**
 * What a failed read of a body becomes: a connection closed mid-body as {@linkcode readError}
 * (its cause scrubbed), anything else (a deadline, an abort, the size cap) as it is.
 *
 * @param error What `readCapped()` threw.
 * @param secrets The secrets of the exchange.
 * @returns The error to throw.
 */
export function readFailure(error: unknown, secrets: SecretsOf): unknown {
  if (!(error instanceof TokenResponseError) || error.cause === undefined) return error;
  return readError(error, secrets);
}

/**
 * What a body that could not be read becomes in `readCapped()`: an abort or a deadline as it is,
 * a connection closed mid-body (the server's failure) as {@linkcode bodyError}.
 *
 * @param status The answer's status.
 * @param error What the platform threw.
 * @returns The error to throw.
 */
export function bodyFailure(status: number, error: unknown): unknown {
  if (error instanceof DOMException || error instanceof AuthFetchError) return error;
  return bodyError(status, error);
}

/**
 * The RFC 6749 §5.2 error of an answer with an `error` member, its body kept (scrubbed).
 *
 * @param body The parsed answer.
 * @param status The HTTP status.
 * @param context What was asked.
 * @param secrets The secrets of the exchange.
 * @returns The error to throw (`undefined` when `body.error` is not a non-empty string).
 */
export function oauthError(
  body: Record<string, unknown>,
  status: number,
  context: string,
  secrets: SecretsOf,
): OAuthError | undefined {
  return oauthErrorOf(body, status, context, true, secretsOf(secrets));
}

/**
 * A token response that the lean reader (`token_read.ts`) refused, read by `tokenFromResponse()`,
 * which throws the error saying what is wrong with it.
 *
 * @param body The parsed answer.
 * @param now When it was received, epoch ms.
 * @param context What was asked, for messages.
 * @param secrets The secrets of the exchange.
 * @returns The token, should `tokenFromResponse()` accept what the reader refused.
 */
export function tokenOrError(
  body: Record<string, unknown>,
  now: number,
  context: string,
  secrets: SecretsOf,
): Token {
  return tokenFromResponse(body, { now: () => now, context, secrets: secretsOf(secrets) });
}
