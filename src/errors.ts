/**
 * Error classes. Every error the library throws on purpose is an {@linkcode AuthFetchError} with a stable
 * `code`; messages never contain secrets.
 *
 * @module
 */

import { isSecretKey, REDACTED, redactText } from "./redact.ts";
import { cleanError } from "./platform_error.ts";
import type { Secrets } from "./secrets.ts";

/**
 * Stable codes carried by {@linkcode AuthFetchError.code}.
 *
 * @example
 * ```ts
 * import { AuthFetchError, type AuthFetchErrorCode } from "@authfetch/authfetch";
 * function codeOf(error: unknown): AuthFetchErrorCode | undefined {
 *   return error instanceof AuthFetchError ? error.code : undefined;
 * }
 * console.log(codeOf(new AuthFetchError("timeout", "token request timed out"))); // "timeout"
 * ```
 */
export type AuthFetchErrorCode =
  | "oauth_error"
  | "invalid_token_response"
  | "state_error"
  | "id_token_error"
  | "timeout"
  | "lease_timeout"
  | "token_unavailable"
  | "store_error"
  | "discovery_error"
  | "registration_error";

/**
 * Options common to every {@linkcode AuthFetchError}.
 *
 * @example
 * ```ts
 * import { type AuthFetchErrorOptions, TokenResponseError } from "@authfetch/authfetch";
 * const options: AuthFetchErrorOptions = { status: 502, cause: new Error("bad gateway") };
 * const error = new TokenResponseError("token request failed with HTTP 502", options);
 * console.log(error.status); // 502
 * ```
 */
export interface AuthFetchErrorOptions {
  /** The underlying error, if any. @default undefined */
  cause?: unknown;
  /** HTTP status of the response that caused the error, if any. @default undefined */
  status?: number;
  /**
   * The secret values of the exchange: the cause (and its causes) is scrubbed of them, and of URL
   * queries and user info. The message must already be clean (pass server text through `excerpt()`
   * or `redactText()` with the same secrets). @default undefined
   */
  secrets?: Secrets;
}

/**
 * Base class of every error the library throws on purpose.
 *
 * @example
 * ```ts
 * import { AuthFetchError } from "@authfetch/authfetch";
 * try {
 *   throw new AuthFetchError("token_unavailable", "No token");
 * } catch (e) {
 *   if (e instanceof AuthFetchError) console.log(e.code);
 * }
 * ```
 */
export class AuthFetchError extends Error {
  /** A stable, machine-readable code. */
  readonly code: AuthFetchErrorCode;
  /** HTTP status of the response that caused the error, if any. */
  readonly status?: number;

  /**
   * Creates the error.
   *
   * @param code The stable error code.
   * @param message A message a user can act on. Secrets are redacted from it.
   * @param options The cause and HTTP status.
   */
  constructor(code: AuthFetchErrorCode, message: string, options: AuthFetchErrorOptions = {}) {
    super(
      redactText(message),
      options.cause === undefined
        ? undefined
        : { cause: options.secrets ? cleanError(options.cause, options.secrets) : options.cause },
    );
    this.name = "AuthFetchError";
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
  }

  /**
   * A plain object for logs and JSON; secrets never appear in it.
   *
   * @returns The error's name, code, status and message.
   */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, status: this.status, message: this.message };
  }
}

/**
 * The fields of an OAuth 2 error response (RFC 6749 §5.2) plus the HTTP status.
 *
 * @example
 * ```ts
 * import { OAuthError, type OAuthErrorInit } from "@authfetch/authfetch";
 * const init: OAuthErrorInit = { error: "invalid_grant", status: 400, context: "token request" };
 * const error = new OAuthError(init);
 * console.log(error.code, error.error); // "oauth_error" "invalid_grant"
 * ```
 */
export interface OAuthErrorInit {
  /** The `error` code, such as `invalid_grant`. */
  error: string;
  /** The `error_description`, if the server sent one. */
  errorDescription?: string;
  /** The `error_uri`, if the server sent one. */
  errorUri?: string;
  /** The HTTP status. */
  status?: number;
  /** What the library was doing, for the message ("token request", "device authorization"). */
  context?: string;
  /** The underlying error, if any. */
  cause?: unknown;
  /** The other members of the error response, such as `interval` with `slow_down`. */
  body?: Record<string, unknown>;
  /** The secret values of the exchange, scrubbed from every field, the body and the cause. */
  secrets?: Secrets;
}

/**
 * What {@linkcode OAuthError.error} holds when the server's `error` was withheld: it was not an
 * RFC 6749 error code (`%x20-21 / %x23-5B / %x5D-7E`, at most 128 characters) or it quoted a secret.
 *
 * @example
 * ```ts
 * import { OAuthError, WITHHELD_ERROR } from "@authfetch/authfetch";
 * const e = new OAuthError({ error: "line\nbreak", status: 400 });
 * console.log(e.error === WITHHELD_ERROR); // true
 * ```
 */
export const WITHHELD_ERROR = "invalid_response";

const ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
/** The longest `error_description` and `error_uri` kept, in characters. */
const FIELD_MAX = 512;

/** The server's error code, or `undefined` when it must be withheld. */
function safeCode(error: string, secrets: Secrets | undefined): string | undefined {
  if (!ERROR_CODE.test(error)) return undefined;
  if (secrets !== undefined && secrets.occursIn(error)) return undefined;
  return redactText(error) === error ? error : undefined;
}

/** A server's text field, scrubbed, cut, and on one line. */
function cleanField(text: string, secrets: Secrets | undefined): string {
  const truncated = text.length > FIELD_MAX;
  let out = truncated ? text.slice(0, FIELD_MAX) : text;
  if (secrets !== undefined) out = secrets.scrub(out, truncated);
  // Control characters (line breaks) would let a server forge log lines.
  // deno-lint-ignore no-control-regex
  out = redactText(out.replace(/[\x00-\x1f\x7f]+/g, " "));
  return truncated ? `${out}…` : out;
}

/** A copy of a server's JSON with secrets redacted by key and value, at most 256 members. */
function cleanBody(
  value: unknown,
  secrets: Secrets | undefined,
  budget: { left: number },
  depth = 0,
): unknown {
  if (typeof value === "string") return cleanField(value, secrets);
  if (value === null || typeof value !== "object") return value;
  if (depth > 8) return REDACTED;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      if (--budget.left < 0) break;
      out.push(cleanBody(item, secrets, budget, depth + 1));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (--budget.left < 0) break;
    const name = cleanField(key, secrets);
    out[name] = isSecretKey(key) && item !== null && item !== undefined && item !== ""
      ? REDACTED
      : cleanBody(item, secrets, budget, depth + 1);
  }
  return out;
}

const HINTS: Record<string, string> = {
  invalid_client: "check the client id, client secret and client authentication method",
  invalid_grant:
    "the grant (code, refresh token or credentials) is invalid, expired or already used",
  unauthorized_client: "this client is not allowed to use this grant type",
  unsupported_grant_type: "the server does not support this grant type",
  invalid_scope: "check the requested scope",
  access_denied: "the user or server denied the request",
  expired_token: "the device code expired before the user approved it; start again",
  invalid_token: "the access token was rejected",
  slow_down: "the client polled too fast",
  authorization_pending: "the user has not approved the request yet",
};

/**
 * An OAuth 2 error answered by a server: a token, device, revocation or introspection endpoint, or an
 * authorization callback.
 *
 * @example
 * ```ts
 * import { OAuthError } from "@authfetch/authfetch";
 * const e = new OAuthError({ error: "invalid_client", status: 401 });
 * console.log(e.error, e.status, e.message);
 * ```
 */
export class OAuthError extends AuthFetchError {
  /**
   * The OAuth `error` code; {@linkcode WITHHELD_ERROR} (`"invalid_response"`) when the server's was not
   * an RFC 6749 error code or quoted a secret.
   */
  readonly error: string;
  /** The server's `error_description`, with secrets redacted. */
  readonly errorDescription?: string;
  /** The server's `error_uri`, with secrets redacted. */
  readonly errorUri?: string;
  /** The whole error response body, when there was one, secrets redacted (never part of the message or `toJSON`). */
  readonly body?: Record<string, unknown>;

  /**
   * Creates the error from the server's fields.
   *
   * @param init The error fields.
   */
  constructor(init: OAuthErrorInit) {
    const secrets = init.secrets;
    const code = safeCode(init.error, secrets);
    const description = init.errorDescription === undefined
      ? undefined
      : cleanField(init.errorDescription, secrets);
    const uri = init.errorUri === undefined ? undefined : cleanField(init.errorUri, secrets);
    const parts = [
      `${init.context ?? "OAuth request"} failed: ${
        code ??
          `${WITHHELD_ERROR} (the server's error code was withheld: it is not an RFC 6749 error code or it quotes a secret)`
      }`,
    ];
    if (description) parts.push(`(${description})`);
    if (init.status !== undefined) parts.push(`[HTTP ${init.status}]`);
    const hint = code !== undefined && Object.hasOwn(HINTS, code) ? HINTS[code] : undefined;
    super("oauth_error", hint ? `${parts.join(" ")}; ${hint}` : parts.join(" "), {
      status: init.status,
      cause: init.cause,
      secrets,
    });
    this.name = "OAuthError";
    this.error = code ?? WITHHELD_ERROR;
    // Servers echo requests in descriptions: keep secrets out of the fields too, not only the message.
    if (description !== undefined) this.errorDescription = description;
    if (uri !== undefined) this.errorUri = uri;
    if (init.body !== undefined) {
      const body = cleanBody(init.body, secrets, { left: 256 }) as Record<string, unknown>;
      if ("error" in body) body.error = this.error;
      if (typeof init.body.error_description === "string") body.error_description = description;
      if (typeof init.body.error_uri === "string") body.error_uri = uri;
      this.body = body;
    }
  }

  /**
   * The RFC 6749 field names plus status, for logs and JSON.
   *
   * @returns A plain object without secrets.
   */
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      error: this.error,
      error_description: this.errorDescription,
      error_uri: this.errorUri,
    };
  }
}

/**
 * A server answered something that is not a valid token (or metadata) response: an HTML error page,
 * non-JSON, a missing `access_token`, wrong types, a redirect, a body over the size cap. The message quotes
 * at most a short, secret-free excerpt.
 *
 * @example
 * ```ts
 * import { TokenResponseError } from "@authfetch/authfetch";
 * const e = new TokenResponseError("token response has no access_token", { status: 200 });
 * console.log(e.code); // "invalid_token_response"
 * ```
 */
export class TokenResponseError extends AuthFetchError {
  /**
   * Creates the error.
   *
   * @param message What is wrong.
   * @param options HTTP status and cause.
   */
  constructor(message: string, options: AuthFetchErrorOptions = {}) {
    super("invalid_token_response", message, options);
    this.name = "TokenResponseError";
  }
}

/**
 * An attempt (or the time to wait for a response) ran out, from {@linkcode timeout} or a poll deadline.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@authfetch/authfetch";
 * console.log(new TimeoutError("request timed out after 5000 ms").code); // "timeout"
 * ```
 */
export class TimeoutError extends AuthFetchError {
  /**
   * Creates the error.
   *
   * @param message What timed out.
   * @param options The cause.
   */
  constructor(message: string, options: AuthFetchErrorOptions = {}) {
    super("timeout", message, options);
    this.name = "TimeoutError";
  }
}

/**
 * An authorization response that does not belong to the login that is being finished: a forged,
 * expired, mismatched or other client's `state`, or (RFC 9207) an `iss` naming another issuer.
 *
 * @example
 * ```ts
 * import { StateError } from "@authfetch/authfetch";
 * console.log(new StateError("state has expired").code); // "state_error"
 * ```
 */
export class StateError extends AuthFetchError {
  /**
   * Creates the error.
   *
   * @param message What is wrong with the state.
   * @param options The cause.
   */
  constructor(message: string, options: AuthFetchErrorOptions = {}) {
    super("state_error", message, options);
    this.name = "StateError";
  }
}

/**
 * An OpenID Connect ID token failed validation: signature, `iss`, `aud`, `azp`, `exp`, `iat` or `nonce`.
 *
 * @example
 * ```ts
 * import { IdTokenError } from "@authfetch/authfetch";
 * console.log(new IdTokenError("nonce mismatch").code); // "id_token_error"
 * ```
 */
export class IdTokenError extends AuthFetchError {
  /**
   * Creates the error.
   *
   * @param message What failed.
   * @param options The cause.
   */
  constructor(message: string, options: AuthFetchErrorOptions = {}) {
    super("id_token_error", message, options);
    this.name = "IdTokenError";
  }
}
