/**
 * Secret redaction for error messages and log lines.
 *
 * Keys are matched by name, in the manner of gaxios' `defaultErrorRedactor`: anything that looks like a
 * credential is replaced with `<redacted>` before text leaves the library.
 *
 * @module
 */

const SECRET_KEY =
  /(authorization|secret|assertion|password|passwd|^code$|code_verifier|device_code|(^|_)token$|^access$|^refresh$|cookie|api[_-]?key|^dpop$)/i;

/**
 * The placeholder that replaces a secret value.
 *
 * @example
 * ```ts
 * import { REDACTED, redactObject } from "@authfetch/authfetch";
 * const safe = redactObject({ password: "hunter2", user: "alice" }) as Record<string, unknown>;
 * console.log(safe.password === REDACTED); // true
 * ```
 */
export const REDACTED = "<redacted>";

/**
 * Tells whether a parameter, header or JSON key names a secret.
 *
 * @param key A form parameter, header or JSON property name.
 * @returns `true` for `authorization`, `*secret*`, `assertion`, `*_token`, `code`, `code_verifier`,
 * `password`, `access`, `refresh`, cookies and API keys.
 * @example
 * ```ts
 * import { isSecretKey } from "@authfetch/authfetch";
 * isSecretKey("client_secret"); // true
 * isSecretKey("token_type"); // false
 * ```
 */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Returns a copy of a JSON value with every secret-named property replaced by `<redacted>`.
 *
 * @param value Any JSON-like value.
 * @returns The same shape with secrets redacted, at any depth.
 * @example
 * ```ts
 * import { redactObject } from "@authfetch/authfetch";
 * redactObject({ access_token: "abc", token_type: "Bearer" });
 * // { access_token: "<redacted>", token_type: "Bearer" }
 * ```
 */
export function redactObject(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  // Deeper than anyone nests on purpose: hide it rather than copy secrets through unchecked.
  if (depth > 8) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactObject(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== ""
      ? REDACTED
      : redactObject(v, depth + 1);
  }
  return out;
}

// key=value, key: value, "key": "value" (also truncated or with spaces inside the quotes).
const PAIR =
  /([A-Za-z0-9_\-]+)(\\?"?\s*[=:]\s*)(\\"(?:[^"\\]|\\[^"])*(?:\\")?|"(?:[^"\\]|\\.)*"?|[^\s"&,;<>\\]+)/g;
const BEARER = /\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/**
 * Redacts secrets from free text: `key=value` and `"key": "value"` pairs with secret-named keys,
 * `Bearer …`/`Basic …` credentials and anything shaped like a JWT.
 *
 * @param text Text that may quote a server's answer or a request.
 * @returns The text with secrets replaced by `<redacted>`.
 * @example
 * ```ts
 * import { redactText } from "@authfetch/authfetch";
 * redactText("refresh_token=abc&scope=x"); // "refresh_token=<redacted>&scope=x"
 * ```
 */
export function redactText(text: string): string {
  return text
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(
      PAIR,
      (m, key: string, sep: string, value: string) =>
        isSecretKey(key)
          ? `${key}${sep}${
            value.startsWith('"') || value.startsWith('\\"') ? `"${REDACTED}"` : REDACTED
          }`
          : m,
    );
}

/**
 * A short, secret-free excerpt of a response body for an error message: HTML tags are stripped,
 * whitespace collapsed, secrets redacted, and the result cut to `max` characters.
 *
 * @param body The body text.
 * @param max The longest excerpt, in characters.
 * @returns The excerpt, possibly empty.
 * @example
 * ```ts
 * import { excerpt } from "@authfetch/authfetch";
 * excerpt("<html><body><h1>Bad Gateway</h1></body></html>"); // "Bad Gateway"
 * ```
 */
export function excerpt(body: string, max = 120): string {
  let text = body;
  try {
    text = JSON.stringify(redactObject(JSON.parse(body)));
  } catch {
    text = body
      .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ")
      .replace(/<[^>]*>/g, " ")
      .replace(/\s+/g, " ")
      .trim();
    text = redactText(text);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
