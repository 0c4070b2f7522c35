import assert from "node:assert/strict";
import fc from "npm:fast-check@^4.3.0";
import { isTokenRejection, jwtTimes, parseRetryAfter, parseWwwAuthenticate } from "../../mod.ts";
import { PARAMS } from "./_fuzz.ts";

const NOW = 1_700_000_000_000;

/** Header-ish text: random strings, and strings built from the characters the grammar cares about. */
const headerText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.array(
    fc.constantFrom(
      "Bearer",
      "DPoP",
      "Basic",
      " ",
      ",",
      "=",
      '"',
      "\\",
      "realm",
      "error",
      "invalid_token",
      "abc==",
      "\t",
      "\u00e9",
    ),
    { maxLength: 60 },
  ).map((parts) => parts.join("")),
);

Deno.test("fuzz: parseWwwAuthenticate() never throws and returns well-formed challenges", () => {
  fc.assert(
    fc.property(headerText, (header) => {
      const challenges = parseWwwAuthenticate(header);
      assert.ok(Array.isArray(challenges));
      for (const c of challenges) {
        assert.equal(typeof c.scheme, "string");
        assert.ok(c.scheme.length > 0);
        assert.equal(typeof c.params, "object");
        for (const [k, v] of Object.entries(c.params)) {
          assert.equal(k, k.toLowerCase());
          assert.equal(typeof v, "string");
        }
        if (c.token68 !== undefined) assert.equal(typeof c.token68, "string");
      }
      // and the 401 classifier built on it never throws either
      const response = new Response(null, {
        status: 401,
        headers: /^[\t\x20-\x7e\x80-\xff]*$/.test(header) ? { "www-authenticate": header } : {},
      });
      assert.equal(typeof isTokenRejection(response), "boolean");
    }),
    PARAMS,
  );
});

const tokenChars = fc.string({
  unit: fc.constantFrom(
    ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~",
  ),
  minLength: 1,
  maxLength: 12,
});

Deno.test("fuzz: parseWwwAuthenticate() reads back the challenges it is given", () => {
  const challenge = fc.record({
    scheme: tokenChars,
    params: fc.uniqueArray(
      fc.tuple(tokenChars.map((s) => s.toLowerCase()), fc.string({ maxLength: 30 }), fc.boolean()),
      { selector: ([k]) => k, minLength: 1, maxLength: 4 },
    ),
  });
  fc.assert(
    fc.property(fc.array(challenge, { minLength: 1, maxLength: 3 }), (list) => {
      const header = list.map((c) =>
        `${c.scheme} ${
          c.params.map(([k, v, quoted]) =>
            quoted || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(v)
              ? `${k}="${v.replace(/[\\"]/g, (m) => `\\${m}`)}"`
              : `${k}=${v}`
          ).join(", ")
        }`
      ).join(", ");
      const parsed = parseWwwAuthenticate(header);
      assert.deepEqual(
        parsed.map((c) => ({ scheme: c.scheme, params: c.params })),
        list.map((c) => ({
          scheme: c.scheme,
          params: Object.fromEntries(c.params.map(([k, v]) => [k, v])),
        })),
        header,
      );
    }),
    PARAMS,
  );
});

Deno.test("parseWwwAuthenticate() stays fast on 8 KiB of adversarial input", () => {
  for (const unit of ["\u0000", "a=", '"', "a b ", ", ", 'a="\\', "Bearer x=1,"]) {
    const header = unit.repeat(Math.ceil(16384 / unit.length));
    const start = performance.now();
    parseWwwAuthenticate(header);
    const ms = performance.now() - start;
    assert.ok(ms < 500, `${JSON.stringify(unit)}: ${ms} ms`);
  }
});

Deno.test("fuzz: parseRetryAfter() returns undefined or a finite non-negative delay", () => {
  const value = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.nat().map(String),
    fc.bigInt({ min: 0n, max: 10n ** 12n }).map(String),
    fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
    fc.date({ noInvalidDate: true }).map((d) => d.toString()),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom(
      "",
      " 5 ",
      "-1",
      "1.5",
      "0x10",
      "1e3",
      "Infinity",
      "NaN",
      "Sun, 06 Nov 1994 08:49:37 GMT",
    ),
  );
  fc.assert(
    fc.property(value, fc.integer({ min: 0, max: 4_102_444_800_000 }), (text, now) => {
      const ms = parseRetryAfter(text, now);
      if (ms === undefined) return;
      assert.equal(typeof ms, "number");
      assert.ok(Number.isFinite(ms) && ms >= 0, `${JSON.stringify(text)} → ${ms}`);
      if (/^\s*\d{1,10}\s*$/.test(text)) assert.equal(ms, Number(text.trim()) * 1000);
    }),
    PARAMS,
  );
  assert.equal(parseRetryAfter(null, NOW), undefined);
  assert.equal(parseRetryAfter(new Date(NOW + 5000).toUTCString(), NOW), 5000);
});

function b64url(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

Deno.test("fuzz: jwtTimes() never throws and returns finite epoch ms or nothing", () => {
  const claim = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.constantFrom(1e306, -1e306, 1.7e308, 0, -0),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const jwt = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.tuple(fc.jsonValue({ maxDepth: 2 }), claim, claim, fc.string()).map((
      [header, exp, iat, sig],
    ) =>
      `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify({ exp, iat }))}.${b64url(sig)}`
    ),
    fc.tuple(fc.string(), fc.string(), fc.string()).map((parts) => parts.join(".")),
    fc.tuple(fc.string(), fc.string()).map(([a, b]) => `eyJ${a}.eyJ${b}.`),
  );
  fc.assert(
    fc.property(jwt, (text) => {
      const times = jwtTimes(text);
      for (const key of Object.keys(times)) assert.ok(key === "exp" || key === "iat");
      if (times.exp !== undefined) assert.ok(Number.isFinite(times.exp), `exp ${times.exp}`);
      if (times.iat !== undefined) assert.ok(Number.isFinite(times.iat), `iat ${times.iat}`);
    }),
    PARAMS,
  );
});
