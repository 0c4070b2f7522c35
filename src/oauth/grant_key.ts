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
 * @param text The input.
 * @returns 64 lowercase hex digits.
 */
export function sha256Hex(text: string): string {
  const data = new TextEncoder().encode(text);
  const length = ((data.length + 9 + 63) >> 6) << 6;
  const bytes = new Uint8Array(length);
  bytes.set(data);
  bytes[data.length] = 0x80;
  const view = new DataView(bytes.buffer);
  const bits = data.length * 8;
  view.setUint32(length - 8, Math.floor(bits / 0x100000000));
  view.setUint32(length - 4, bits >>> 0);
  const { K, H0 } = roundTables();
  const h = H0.slice();
  const w = new Uint32Array(64);
  for (let offset = 0; offset < length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2];
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + s1 + ch + K[i] + w[i]) >>> 0;
      const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, "0")).join("");
}
