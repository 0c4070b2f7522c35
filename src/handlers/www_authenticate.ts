/**
 * A tolerant parser for `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3, RFC 9449 §7.1).
 *
 * @module
 */

/**
 * One challenge: its scheme and parameters (names lower-cased).
 *
 * @example
 * ```ts
 * import { type Challenge, parseWwwAuthenticate } from "@authfetch/authfetch";
 * const [challenge]: Challenge[] = parseWwwAuthenticate(
 *   'Bearer realm="api", error="invalid_token"',
 * );
 * console.log(challenge.scheme, challenge.params.error); // "Bearer" "invalid_token"
 * ```
 */
export interface Challenge {
  /** The scheme as sent, such as `Bearer` or `DPoP`. */
  scheme: string;
  /** The auth parameters, such as `error`, `error_description`, `realm`, `scope`. */
  params: Record<string, string>;
  /** A `token68` value, if the challenge carried one instead of parameters. */
  token68?: string;
}

/** `tchar` of RFC 9110 §5.6.2. */
function isTchar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
}

/** `token68` characters before the `=` padding (RFC 9110 §11.2). */
function isToken68(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e || c === 0x2b || c === 0x2f;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

/**
 * Parses a `WWW-Authenticate` header into challenges. Malformed input never throws: what can be read is
 * returned, the rest is skipped. The header is cut to 8 KiB and read in one pass (linear time).
 *
 * @param header The header value (several challenges may be comma-separated).
 * @returns The challenges, possibly none.
 * @example
 * ```ts
 * import { parseWwwAuthenticate } from "@authfetch/authfetch";
 * const [c] = parseWwwAuthenticate('Bearer realm="api", error="invalid_token"');
 * console.log(c.scheme, c.params.error); // "Bearer" "invalid_token"
 * ```
 */
export function parseWwwAuthenticate(header: string | null | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  if (!header) return challenges;
  const text = header.slice(0, 8192);
  const n = text.length;
  const skipSpace = (from: number) => {
    while (from < n && isSpace(text.charCodeAt(from))) from++;
    return from;
  };
  let i = 0;
  let current: Challenge | undefined;
  while (i < n) {
    while (i < n && (isSpace(text.charCodeAt(i)) || text.charCodeAt(i) === 0x2c)) i++;
    if (i >= n) break;
    const nameStart = i;
    while (i < n && isTchar(text.charCodeAt(i))) i++;
    if (i === nameStart) {
      // Skip an unreadable character.
      i++;
      continue;
    }
    const name = text.slice(nameStart, i);
    const afterName = i;
    const eq = skipSpace(i);
    if (current !== undefined && eq < n && text.charCodeAt(eq) === 0x3d && !onlyPadding(eq)) {
      // name = value
      let v = skipSpace(eq + 1);
      let value: string;
      if (v < n && text.charCodeAt(v) === 0x22) {
        const parts: string[] = [];
        let from = ++v;
        while (v < n && text.charCodeAt(v) !== 0x22) {
          if (text.charCodeAt(v) === 0x5c && v + 1 < n) {
            parts.push(text.slice(from, v));
            from = ++v;
          }
          v++;
        }
        parts.push(text.slice(from, v));
        value = parts.join("");
        i = v + 1;
      } else {
        const from = v;
        while (v < n && !isSpace(text.charCodeAt(v)) && text.charCodeAt(v) !== 0x2c) v++;
        value = text.slice(from, v);
        i = v;
      }
      current.params[name.toLowerCase()] = value;
      continue;
    }
    // A new challenge: scheme, then optionally token68.
    current = { scheme: name, params: {} };
    challenges.push(current);
    i = afterName;
    const t68 = token68At(i);
    if (t68 !== undefined) {
      current.token68 = text.slice(t68.start, t68.end);
      i = t68.next;
    }
  }
  return challenges;

  /** At `eq` (an "="): only "=" and spaces follow up to "," or the end: the name was token68-like. */
  function onlyPadding(eq: number): boolean {
    let j = skipSpace(eq + 1);
    while (j < n && text.charCodeAt(j) === 0x3d) j++;
    j = skipSpace(j);
    return j >= n || text.charCodeAt(j) === 0x2c;
  }

  /** A token68 after a scheme: at least one space, the token68, spaces, then "," or the end. */
  function token68At(from: number): { start: number; end: number; next: number } | undefined {
    const start = skipSpace(from);
    if (start === from || start >= n) return undefined;
    let j = start;
    while (j < n && isToken68(text.charCodeAt(j))) j++;
    if (j === start) return undefined;
    while (j < n && text.charCodeAt(j) === 0x3d) j++;
    const end = j;
    const next = skipSpace(j);
    if (next < n && text.charCodeAt(next) !== 0x2c) return undefined;
    return { start, end, next };
  }
}
