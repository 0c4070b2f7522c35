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

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Parses a `WWW-Authenticate` header into challenges. Malformed input never throws: what can be read is
 * returned, the rest is skipped.
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
  let rest = header.slice(0, 8192);
  let current: Challenge | undefined;
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, "");
    if (rest.length === 0) break;
    const name = TOKEN.exec(rest)?.[0];
    if (name === undefined) {
      // Skip an unreadable character.
      rest = rest.slice(1);
      continue;
    }
    const after = rest.slice(name.length);
    const param = /^\s*=\s*/.exec(after);
    if (param && current && !/^\s*=\s*=*\s*(,|$)/.test(after)) {
      rest = after.slice(param[0].length);
      let value: string;
      if (rest.startsWith('"')) {
        let i = 1;
        value = "";
        while (i < rest.length && rest[i] !== '"') {
          if (rest[i] === "\\" && i + 1 < rest.length) i++;
          value += rest[i++];
        }
        rest = rest.slice(i + 1);
      } else {
        const m = /^[^,\s]*/.exec(rest)![0];
        value = m;
        rest = rest.slice(m.length);
      }
      current.params[name.toLowerCase()] = value;
      continue;
    }
    // A new challenge: scheme, then optionally token68.
    current = { scheme: name, params: {} };
    challenges.push(current);
    rest = after;
    const t68 = /^\s+([A-Za-z0-9\-._~+/]+=*)\s*(?=,|$)/.exec(rest);
    if (t68 && !/=\s*[^=,\s]/.test(t68[0].trim().replace(/=+$/, ""))) {
      current.token68 = t68[1];
      rest = rest.slice(t68[0].length);
    }
  }
  return challenges;
}
