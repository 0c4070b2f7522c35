/**
 * Default store keys: a hash of everything that changes the token a grant obtains, so two token
 * sources share a stored token only when they would have obtained the same one, and a key never holds
 * a secret (or a readable user name).
 *
 * @module
 */

/** A grant's default store key, and the key versions before hashed keys used, where it was unambiguous. */
export interface GrantKeys {
  /** `<grant type>:<32 hex digits of SHA-256 over the identity>`. */
  key: string;
  /** The older, readable key; set only when it named this grant alone (no resource, no extra params). */
  legacyKey?: string;
}

/** What identifies a grant's token; every part is hashed into the key. */
export interface GrantIdentity {
  tokenUrl?: string | URL;
  issuer?: string | URL;
  clientId?: string;
  scope?: string | readonly string[];
  audience?: string;
  resource?: string | readonly string[];
  params?: Record<string, string>;
  subject?: string;
  dpop?: { thumbprint: string };
}

/**
 * The default store keys of a grant.
 *
 * @param kind The grant type.
 * @param identity Its endpoint, client, scope, audience, resource, extra parameters, subject and DPoP key.
 * @returns The key and, where it was unambiguous, the key older versions used.
 */
export function grantKeys(kind: string, identity: GrantIdentity): GrantKeys {
  const scope = typeof identity.scope === "string"
    ? identity.scope.split(" ").filter((s) => s !== "")
    : [...(identity.scope ?? [])];
  const resource = identity.resource === undefined
    ? []
    : typeof identity.resource === "string"
    ? [identity.resource]
    : [...identity.resource];
  const params = Object.entries(identity.params ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0
  );
  const endpoint = String(identity.tokenUrl ?? identity.issuer ?? "");
  const parts = [
    kind,
    endpoint,
    identity.clientId ?? "",
    [...new Set(scope)].sort(),
    identity.audience ?? "",
    [...new Set(resource)].sort(),
    params,
    identity.subject ?? null,
    identity.dpop?.thumbprint ?? null,
  ];
  const key = `${kind}:${sha256Hex(JSON.stringify(parts)).slice(0, 32)}`;
  if (resource.length > 0 || params.length > 0) return { key };
  // The key versions before hashed keys derived: it named the same grant when nothing else was given.
  const legacyScope = typeof identity.scope === "string"
    ? identity.scope.trim()
    : (identity.scope ?? []).join(" ");
  const legacy = [kind, endpoint, identity.clientId ?? "", legacyScope, identity.audience ?? ""];
  if (identity.subject !== undefined) legacy.push(identity.subject);
  if (identity.dpop !== undefined) legacy.push(`dpop:${identity.dpop.thumbprint}`);
  return { key, legacyKey: legacy.join("|") };
}

/**
 * A hashed key over arbitrary parts, for grants with identities of their own (JSON login).
 *
 * @param kind A readable prefix.
 * @param parts The parts.
 * @returns `<kind>:<32 hex digits>`.
 */
export function hashedKey(kind: string, parts: readonly unknown[]): string {
  return `${kind}:${sha256Hex(JSON.stringify([kind, ...parts])).slice(0, 32)}`;
}

/** The first `n` primes. */
function primes(n: number): number[] {
  const found: number[] = [];
  for (let candidate = 2; found.length < n; candidate++) {
    if (found.every((p) => candidate % p !== 0)) found.push(candidate);
  }
  return found;
}

// FIPS 180-4 §4.2.2 and §5.3.3: the first 32 bits of the fractional parts of the cube roots of the
// first 64 primes, and of the square roots of the first 8. Computed rather than listed (a double
// holds these roots to about 50 fractional bits, more than the 32 needed); the test checks every
// digest against Web Crypto.
// Built on the first hash, not at import: most processes never hash a key.
const fraction = (x: number) => ((x - Math.floor(x)) * 0x100000000) >>> 0;
let tables: { K: Uint32Array; H0: Uint32Array } | undefined;
function roundTables(): { K: Uint32Array; H0: Uint32Array } {
  if (tables === undefined) {
    const found = primes(64);
    tables = {
      K: Uint32Array.from(found, (p) => fraction(Math.cbrt(p))),
      H0: Uint32Array.from(found.slice(0, 8), (p) => fraction(Math.sqrt(p))),
    };
  }
  return tables;
}

/** A 32-bit word rotated right by `n` bits (FIPS 180-4 §3.2 ROTR). */
const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/**
 * SHA-256 (FIPS 180-4) of a string's UTF-8 bytes, synchronously: grant keys are plain properties,
 * and Web Crypto's digest is asynchronous only.
 *
 * Written for size (it is in the first download of every grant, and runs only for a source with a
 * store): the message schedule is computed in the compression loop, and the working variables
 * `a`…`h` are one array rotated by a step (`t1 + t2` in front, `d + t1` as the new `e`).
 *
 * @param text The input.
 * @returns 64 lowercase hex digits.
 */
export function sha256Hex(text: string): string {
  const data = new TextEncoder().encode(text);
  const n = data.length;
  // §5.1.1 padding, as big-endian words: the bytes, 0x80, zeros, the length in bits (64 bits).
  const words = new Uint32Array(((n + 72) >> 6) << 4);
  for (let i = 0; i <= n; i++) words[i >> 2] |= (i < n ? data[i] : 0x80) << (24 - (i & 3) * 8);
  words[words.length - 2] = n / 0x20000000;
  words[words.length - 1] = n << 3;
  const { K, H0 } = roundTables();
  const h = H0.slice();
  const w = new Uint32Array(64);
  for (let block = 0; block < words.length; block += 16) {
    const v = [...h];
    for (let i = 0; i < 64; i++) {
      const x = w[i - 15], y = w[i - 2];
      w[i] = i < 16
        ? words[block + i]
        : w[i - 16] + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + w[i - 7] +
          (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10));
      const [a, b, c, , e, f, g, last] = v;
      const t1 = last + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] +
        w[i];
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      v.pop();
      v.unshift((t1 + t2) >>> 0);
      v[4] = (v[4] + t1) >>> 0;
    }
    h.forEach((x, j) => h[j] = x + v[j]);
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, "0")).join("");
}
