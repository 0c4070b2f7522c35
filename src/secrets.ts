/**
 * Redaction by value: {@linkcode Secrets} holds the secret values one exchange carries, in every form a
 * server may echo them (as sent, URL- and form-encoded, JSON- and HTML-escaped, and `id:secret` with its
 * Basic base64), and {@linkcode Secrets.scrub} replaces each occurrence in a text with `<redacted>`, in
 * time linear in the text.
 *
 * @module
 */

import { isSecretKey, REDACTED } from "./redact.ts";

/** Values shorter than this are not scrubbed by value: they would match all over ordinary text. */
const MIN_LENGTH = 4;

/** One value to find, with its Knuth–Morris–Pratt failure table. */
interface Needle {
  text: string;
  fail: Int32Array;
  /** How many leading characters are not secret (the client id of `id:secret`). */
  from: number;
}

/**
 * The secret values of one exchange and the scrubber that keeps them out of errors. Every text a server
 * or the platform returns passes through {@linkcode Secrets.scrub} before it goes into an error; the
 * key-based patterns of `redactText()` run after it as a second net.
 *
 * Values shorter than 4 characters are not scrubbed by value (they would match all over ordinary text).
 *
 * @example
 * ```ts
 * import { Secrets } from "@authfetch/authfetch";
 * const secrets = new Secrets(["s3cret-value"]);
 * secrets.scrub("credentials rejected: s3cret-value"); // "credentials rejected: <redacted>"
 * ```
 */
export class Secrets {
  #needles: Needle[] = [];
  #seen = new Set<string>();
  /**
   * What was added and not yet turned into needles: the forms and failure tables are built when a text
   * is first scrubbed (most exchanges succeed and never need them). Inputs are copied when added.
   */
  #pending: ((into: Secrets) => void)[] = [];

  /**
   * Creates a carrier holding `values` (and their encoded forms).
   *
   * @param values Secret values; `undefined`, non-strings and short values are ignored.
   */
  constructor(values: Iterable<string | undefined> = []) {
    this.add(...values);
  }

  /** How many distinct forms of secrets are held. */
  get size(): number {
    return this.#ready().length;
  }

  /**
   * Adds secret values with their encoded forms: URL-encoded, form-encoded (with `+` for spaces, and
   * lower-case hex), JSON-escaped (also with `\/`) and HTML-escaped.
   *
   * @param values The values; `undefined`, non-strings and values under 4 characters are ignored.
   * @returns This carrier.
   * @example
   * ```ts
   * import { Secrets } from "@authfetch/authfetch";
   * const secrets = new Secrets().add("a b/c&d");
   * secrets.scrub("got a+b%2Fc%26d"); // "got <redacted>"
   * ```
   */
  add(...values: (string | undefined | null)[]): this {
    this.#pending.push((into) => into.#add(values));
    return this;
  }

  #add(values: readonly (string | undefined | null)[]): void {
    for (const value of values) {
      if (typeof value !== "string" || value.length < MIN_LENGTH) continue;
      for (const variant of variantsOf(value)) this.#addNeedle(variant, 0);
    }
  }

  /**
   * Adds an HTTP Basic client credential: `id:secret` as given and form-encoded (RFC 6749 §2.3.1), and
   * the base64 of each, besides the secret itself.
   *
   * @param id The client id (not a secret on its own).
   * @param secret The client secret.
   * @returns This carrier.
   * @example
   * ```ts
   * import { Secrets } from "@authfetch/authfetch";
   * const secrets = new Secrets().addBasic("svc", "s3cret");
   * secrets.scrub(`basic=${btoa("svc:s3cret")}`); // "basic=<redacted>"
   * ```
   */
  addBasic(id: string | undefined, secret: string | undefined): this {
    this.#pending.push((into) => into.#addBasic(id, secret));
    return this;
  }

  #addBasic(id: string | undefined, secret: string | undefined): void {
    if (typeof secret !== "string" || secret === "") return;
    this.#add([secret]);
    const plain = `${id ?? ""}:${secret}`;
    const encoded = `${formEncode(id ?? "")}:${formEncode(secret)}`;
    const pairs: [string, number][] = [
      [plain, (id ?? "").length + 1],
      [encoded, formEncode(id ?? "").length + 1],
    ];
    for (const [pair, idLength] of pairs) {
      // The id alone is no secret: a text may end in it without being cut from a secret.
      for (const t of TRANSFORMS) this.#addNeedle(t(pair), t(pair.slice(0, idLength)).length);
      const base64 = toBase64(pair);
      if (base64 !== undefined) this.#addNeedle(base64, 0);
    }
  }

  /**
   * Adds the credentials a request's headers carry: `Authorization` (the whole value, its credential,
   * and for Basic the decoded `id:secret` and secret), `Proxy-Authorization`, `DPoP`, `Cookie`, and
   * every header whose name names a secret (`X-Api-Key`, …).
   *
   * @param headers The request headers.
   * @returns This carrier.
   * @example
   * ```ts
   * import { Secrets } from "@authfetch/authfetch";
   * const secrets = new Secrets().addHeaders(new Headers({ "x-api-key": "k-123456" }));
   * secrets.scrub("bad key k-123456"); // "bad key <redacted>"
   * ```
   */
  addHeaders(headers: Headers): this {
    const entries = [...headers];
    this.#pending.push((into) => {
      for (const [name, value] of entries) {
        if (name === "authorization" || name === "proxy-authorization") {
          into.#addCredential(value);
        } else if (name === "dpop" || name === "cookie" || isSecretKey(name)) {
          into.#add([value]);
        }
      }
    });
    return this;
  }

  /**
   * Adds the values of a form's (or query's) secret-named parameters (`client_secret`, `password`,
   * `refresh_token`, `code`, `code_verifier`, `assertion`, `token`, …).
   *
   * @param form The form parameters.
   * @returns This carrier.
   * @example
   * ```ts
   * import { Secrets } from "@authfetch/authfetch";
   * const secrets = new Secrets().addForm(new URLSearchParams("refresh_token=rt-98765&scope=a"));
   * secrets.scrub("rt-98765 is spent"); // "<redacted> is spent"
   * ```
   */
  addForm(form: URLSearchParams): this {
    const entries = [...form];
    this.#pending.push((into) => {
      for (const [key, value] of entries) if (isSecretKey(key)) into.#add([value]);
    });
    return this;
  }

  /**
   * Adds every secret of another carrier.
   *
   * @param other Another carrier, or `undefined`.
   * @returns This carrier.
   * @example
   * ```ts
   * import { Secrets } from "@authfetch/authfetch";
   * const all = new Secrets(["first-secret"]).merge(new Secrets(["second-secret"]));
   * console.log(all.scrub("first-secret second-secret")); // "<redacted> <redacted>"
   * ```
   */
  merge(other: Secrets | undefined): this {
    if (other !== undefined) {
      const needles = other.#needles.slice();
      const pending = other.#pending.slice();
      this.#pending.push((into) => {
        for (const needle of needles) into.#addNeedle(needle.text, needle.from);
        for (const op of pending) op(into);
      });
    }
    return this;
  }

  /**
   * Replaces every occurrence of every held form with `<redacted>`. Runs in time linear in `text` (one
   * Knuth–Morris–Pratt pass per form). A tail of `text` that is the start of a secret (6 characters or
   * more, or 3 with `truncated`) is redacted too, so a text cut short, by the library or by the server,
   * never ends in half a secret.
   *
   * @param text Text from a server or the platform. Cut it to a few KiB first.
   * @param truncated The text was cut from a longer one.
   * @returns The text without the secrets.
   * @example
   * ```ts
   * import { Secrets } from "@authfetch/authfetch";
   * const secrets = new Secrets(["abcdef-secret"]);
   * secrets.scrub("ends with abcdef-se", true); // "ends with <redacted>"
   * ```
   */
  scrub(text: string, truncated = false): string {
    const n = text.length;
    if (n === 0) return text;
    const needles = this.#ready();
    if (needles.length === 0) return text;
    let marks: Int32Array | undefined;
    const mark = (from: number, to: number) => {
      marks ??= new Int32Array(n + 1);
      marks[from]++;
      marks[to]--;
    };
    for (const { text: p, fail, from } of needles) {
      const m = p.length;
      let j = 0;
      for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        while (j > 0 && c !== p.charCodeAt(j)) j = fail[j - 1];
        if (c === p.charCodeAt(j)) j++;
        if (j === m) {
          mark(i - m + 1, i + 1);
          j = fail[j - 1];
        }
      }
      // A cut-off start of a secret goes too (its non-secret prefix stays).
      if (j - from >= Math.min(truncated ? 3 : 6, m - from)) mark(n - j + from, n);
    }
    if (marks === undefined) return text;
    const parts: string[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i <= n; i++) {
      const before = depth;
      depth += marks[i];
      if (before === 0 && depth > 0) {
        parts.push(text.slice(start, i), REDACTED);
      } else if (before > 0 && depth === 0) start = i;
    }
    if (depth === 0) parts.push(text.slice(start));
    return parts.join("");
  }

  #addCredential(value: string): void {
    const space = value.indexOf(" ");
    if (space === -1) {
      this.#add([value]);
      return;
    }
    // The whole header value; its scheme ("Bearer ") is no secret at a text's end.
    if (value.length - space - 1 >= MIN_LENGTH) {
      for (const t of TRANSFORMS) this.#addNeedle(t(value), t(value.slice(0, space + 1)).length);
    }
    const credential = value.slice(space + 1).trim();
    this.#add([credential]);
    if (value.slice(0, space).toLowerCase() !== "basic") return;
    let decoded: string;
    try {
      decoded = atob(credential);
    } catch {
      return;
    }
    const colon = decoded.indexOf(":");
    const id = colon === -1 ? "" : decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    this.#add([secret, formDecode(secret)]);
    this.#addBasic(formDecode(id), formDecode(secret));
  }

  /** The needles, once what was added is turned into them. */
  #ready(): Needle[] {
    while (this.#pending.length > 0) {
      const pending = this.#pending;
      this.#pending = [];
      for (const op of pending) op(this);
    }
    return this.#needles;
  }

  /**
   * Tells whether a whole secret, in any held form, occurs in `text` (a cut-off start at its end does
   * not count).
   *
   * @param text The text.
   * @returns `true` when {@linkcode Secrets.scrub} would redact a whole secret in it.
   * @example
   * ```ts
   * import { Secrets } from "@authfetch/authfetch";
   * const secrets = new Secrets(["as-CANARY-5d8a"]);
   * console.log(secrets.occursIn("as-CANARY-5d8a"), secrets.occursIn("invalid_grant")); // true false
   * ```
   */
  occursIn(text: string): boolean {
    // A character no secret holds ends the text, so only whole occurrences are found.
    return this.scrub(`${text}\u0000`) !== `${text}\u0000`;
  }

  #addNeedle(text: string, from: number): void {
    if (text.length - from < MIN_LENGTH || this.#seen.has(text)) return;
    this.#seen.add(text);
    this.#needles.push({ text, fail: failureTable(text), from });
  }
}

/**
 * The forms in which a server may echo a value: as sent, URL- and form-encoded (also twice, as when a
 * server puts the request it got into a URL, and with lower-case hex), JSON-escaped (also twice, and
 * with `\/`), and HTML-escaped (also its JSON-escaped form). Each works character by character, so
 * the form of a prefix is the prefix of the form.
 */
const TRANSFORMS: ReadonlyArray<(value: string) => string> = [
  (v) => v,
  encodeURIComponent,
  formEncode,
  (v) => encodeURIComponent(encodeURIComponent(v)),
  (v) => encodeURIComponent(formEncode(v)),
  (v) => lowerHex(encodeURIComponent(v)),
  (v) => lowerHex(formEncode(v)),
  (v) => lowerHex(encodeURIComponent(encodeURIComponent(v))),
  (v) => lowerHex(encodeURIComponent(formEncode(v))),
  jsonEscape,
  (v) => jsonEscape(jsonEscape(v)),
  (v) => jsonEscape(v).replaceAll("/", "\\/"),
  (v) => escapeHtml(v, "&#39;"),
  (v) => escapeHtml(v, "&#x27;"),
  (v) => escapeHtml(jsonEscape(v), "&#39;"),
  (v) => escapeHtml(jsonEscape(v), "&#x27;"),
];

function variantsOf(value: string): Set<string> {
  return new Set(TRANSFORMS.map((t) => t(value)));
}

function jsonEscape(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** RFC 6749 §2.3.1 / WHATWG form encoding (spaces as `+`). */
function formEncode(value: string): string {
  return new URLSearchParams([["", value]]).toString().slice(1);
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll("+", " "));
  } catch {
    return value;
  }
}

function lowerHex(encoded: string): string {
  return encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
}

function escapeHtml(value: string, apostrophe: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", apostrophe);
}

/** Base64 of a string's UTF-8 bytes (what `btoa` gives for ASCII), or undefined when it cannot be built. */
function toBase64(text: string): string | undefined {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  try {
    return btoa(binary);
  } catch {
    return undefined;
  }
}

function failureTable(p: string): Int32Array {
  const fail = new Int32Array(p.length);
  let k = 0;
  for (let i = 1; i < p.length; i++) {
    const c = p.charCodeAt(i);
    while (k > 0 && c !== p.charCodeAt(k)) k = fail[k - 1];
    if (c === p.charCodeAt(k)) k++;
    fail[i] = k;
  }
  return fail;
}
