/**
 * Secret redaction for error messages and log lines.
 *
 * Keys are matched by name, in the manner of gaxios' `defaultErrorRedactor`: anything that looks like a
 * credential is replaced with `<redacted>` before text leaves the library. This is the second net: the
 * first is redaction by value ({@linkcode Secrets}). Every pattern here runs in time linear in its
 * input, and text is cut to a few KiB before any pattern runs.
 *
 * @module
 */

import type { Secrets } from "./secrets.ts";

const SECRET_KEY =
  /(authorization|secret|assertion|password|passwd|^code$|code_verifier|device_code|(^|[_-])token$|^access$|^refresh$|cookie|api[_-]?key|^dpop$|^basic$|^bearer$|^jwt$)/;

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
 * `password`, `access`, `refresh`, cookies and API keys, in snake_case, kebab-case or camelCase
 * (`accessToken`, `clientSecret`); names over 128 characters count as secret.
 * @example
 * ```ts
 * import { isSecretKey } from "@authfetch/authfetch";
 * isSecretKey("client_secret"); // true
 * isSecretKey("token_type"); // false
 * ```
 */
export function isSecretKey(key: string): boolean {
  if (key.length > 128) return true;
  // client_assertion_type, subject_token_type, token_type_hint: names of kinds, not secrets.
  if (/[_-](type|hint)$/i.test(key)) return false;
  // camelCase to snake_case: accessToken → access_token, clientSecret → client_secret.
  return SECRET_KEY.test(key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase());
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

/** Text longer than this is cut before any pattern runs on it. */
const TEXT_CAP = 8192;
/** Bodies longer than this are cut before an excerpt is made of them. */
const BODY_CAP = 4096;

// key=value, key: value, "key": "value" (also truncated or with spaces inside the quotes). The key must
// start at a boundary (the lookbehind): without it every position inside a long run of word characters
// would start a new scan of the run, which is quadratic.
const PAIR =
  /(?<![A-Za-z0-9_\-])([A-Za-z0-9_\-]+)(\\?"?\s*[=:]\s*)(\\"(?:[^"\\]|\\[^"])*(?:\\")?|"(?:[^"\\]|\\.)*"?|[^\s"&,;<>\\]+)/g;
const BEARER = /(?<![A-Za-z0-9])(Bearer|Basic|DPoP)\s+[A-Za-z0-9\-._~+/]+=*/gi;
// A JWT, also cut short: "eyJ" and at least one dot (header.payload is enough to redact).
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_.-]*/g;
// A URL: the scheme must start at a boundary, for the same reason as PAIR's key.
const URL_LIKE = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>]*/g;

/**
 * Redacts secrets from free text: the values held by `secrets` (when given), then `key=value` and
 * `"key": "value"` pairs with secret-named keys, `Bearer …`/`Basic …` credentials and anything shaped
 * like a JWT. Text over 8 KiB is cut (with `…`) first; every pattern runs in linear time.
 *
 * @param text Text that may quote a server's answer or a request.
 * @param secrets The secret values of the exchange the text comes from.
 * @returns The text with secrets replaced by `<redacted>`.
 * @example
 * ```ts
 * import { redactText } from "@authfetch/authfetch";
 * redactText("refresh_token=abc&scope=x"); // "refresh_token=<redacted>&scope=x"
 * ```
 */
export function redactText(text: string, secrets?: Secrets): string {
  const truncated = text.length > TEXT_CAP;
  let out = truncated ? text.slice(0, TEXT_CAP) : text;
  if (secrets !== undefined) out = secrets.scrub(out, truncated);
  out = out
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
  return truncated ? `${out}…` : out;
}

/**
 * Strips the query, fragment and user info from every URL in a text, as `safeUrl()` does for
 * one URL: for messages of the platform's `fetch`, which quote the URL they were given.
 *
 * @param text Text that may contain URLs.
 * @returns The text with each URL reduced to scheme, host and path.
 */
export function stripUrls(text: string): string {
  return text.replace(URL_LIKE, (url) => {
    const schemeEnd = url.indexOf("://") + 3;
    let end = url.length;
    for (const mark of ["?", "#"]) {
      const at = url.indexOf(mark, schemeEnd);
      if (at !== -1 && at < end) end = at;
    }
    let kept = url.slice(0, end);
    const slash = kept.indexOf("/", schemeEnd);
    const authorityEnd = slash === -1 ? kept.length : slash;
    const at = kept.lastIndexOf("@", authorityEnd);
    if (at >= schemeEnd) kept = kept.slice(0, schemeEnd) + kept.slice(at + 1);
    // Keep the punctuation that closed the URL in the sentence, such as "(https://…): reason".
    const close = end < url.length ? /[)\]:,.;]*$/.exec(url)![0] : "";
    return kept + close;
  });
}

/**
 * A short, secret-free excerpt of a response body for an error message: the body is cut to 4 KiB, the
 * values of `secrets` are scrubbed, HTML tags stripped, whitespace collapsed, the key-based patterns
 * applied, and the result cut to `max` characters. It takes time linear in `max` and the 4 KiB cut,
 * whatever the body's size.
 *
 * @param body The body text.
 * @param max The longest excerpt, in characters.
 * @param secrets The secret values of the exchange the body answers.
 * @returns The excerpt, possibly empty.
 * @example
 * ```ts
 * import { excerpt } from "@authfetch/authfetch";
 * excerpt("<html><body><h1>Bad Gateway</h1></body></html>"); // "Bad Gateway"
 * ```
 */
export function excerpt(body: string, max = 120, secrets?: Secrets): string {
  const truncated = body.length > BODY_CAP;
  let text = truncated ? body.slice(0, BODY_CAP) : body;
  if (secrets !== undefined) text = secrets.scrub(text, truncated);
  let parsed: unknown = undefined;
  if (!truncated) {
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: read it as text
    }
  }
  if (parsed !== undefined && parsed !== null && typeof parsed === "object") {
    // Strings inside the JSON are scrubbed once unescaped: JSON quoted in a JSON string is escaped twice.
    const scrubbed = secrets === undefined ? parsed : scrubStrings(parsed, secrets);
    text = JSON.stringify(redactObject(scrubbed));
  } else {
    text = stripTags(text).replace(/\s+/g, " ").trim();
  }
  if (secrets !== undefined) text = secrets.scrub(text, truncated);
  text = redactText(text);
  return text.length > max || truncated ? `${text.slice(0, max)}…` : text;
}

/** A copy of parsed JSON with every string (keys too) scrubbed by value. */
function scrubStrings(value: unknown, secrets: Secrets, depth = 0): unknown {
  if (typeof value === "string") return secrets.scrub(value);
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => scrubStrings(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[secrets.scrub(k)] = scrubStrings(v, secrets, depth + 1);
  }
  return out;
}

/** HTML tags (and the content of `script` and `style`) replaced by spaces, in one pass. */
function stripTags(html: string): string {
  const parts: string[] = [];
  let i = 0;
  while (i < html.length) {
    const open = html.indexOf("<", i);
    if (open === -1) break;
    const close = html.indexOf(">", open + 1);
    // No ">" after this "<": no tag can follow, the rest is text.
    if (close === -1) break;
    if (html.startsWith(REDACTED, open)) {
      // A secret scrubbed already: keep the placeholder.
      parts.push(html.slice(i, open), REDACTED);
      i = open + REDACTED.length;
      continue;
    }
    parts.push(html.slice(i, open), " ");
    i = close + 1;
    const name = /^<\s*(script|style)\b/i.exec(html.slice(open, Math.min(close, open + 16)));
    if (name !== null) {
      END_RAW.lastIndex = i;
      let end: RegExpExecArray | null;
      while ((end = END_RAW.exec(html)) !== null && end[1].toLowerCase() !== name[1].toLowerCase());
      if (end === null) return parts.join("");
      i = END_RAW.lastIndex;
    }
  }
  parts.push(html.slice(i));
  return parts.join("");
}

const END_RAW = /<\/\s{0,16}(script|style)[^>]{0,64}>/gi;
