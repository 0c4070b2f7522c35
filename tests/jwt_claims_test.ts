import assert from "node:assert/strict";
import { base64url, decodeJwt } from "jose";
import { decodeBase64url, encodeBase64url } from "../src/base64url.ts";
import { decodeJwtClaims, MAX_JWT_LENGTH } from "../src/jwt_claims.ts";
import { jwtTimes } from "../mod.ts";

const b64 = (text: string) => encodeBase64url(new TextEncoder().encode(text));
const jwt = (payload: string, header = '{"alg":"none"}') => `${b64(header)}.${b64(payload)}.sig`;

Deno.test("encodeBase64url() and decodeBase64url() agree with jose on every length and byte", () => {
  for (let n = 0; n < 70; n++) {
    const bytes = crypto.getRandomValues(new Uint8Array(n));
    const text = encodeBase64url(bytes);
    assert.equal(text, base64url.encode(bytes));
    assert.deepEqual(decodeBase64url(text), bytes);
  }
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(encodeBase64url(all), base64url.encode(all));
  const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256); // several chunks
  assert.deepEqual(decodeBase64url(encodeBase64url(big)), big);
});

Deno.test("decodeBase64url() accepts padding only where it belongs and refuses other alphabets", () => {
  assert.deepEqual(decodeBase64url("YQ"), new Uint8Array([97]));
  assert.deepEqual(decodeBase64url("YQ=="), new Uint8Array([97]));
  assert.deepEqual(decodeBase64url("YWI="), new Uint8Array([97, 98]));
  assert.deepEqual(decodeBase64url(""), new Uint8Array(0));
  for (const bad of ["Y", "YQ=", "YQ===", "Y=Q=", "=", "YW+i", "YW/i", "YW i", "YWI\n", "é"]) {
    assert.equal(decodeBase64url(bad), undefined, JSON.stringify(bad));
  }
});

Deno.test("decodeJwtClaims() reads the payload of well-formed JWTs as jose does", () => {
  const payloads = [
    { sub: "svc", exp: 1_700_000_000, iat: 1_699_996_400 },
    { aud: ["a", "b"], nested: { x: [1, 2, { y: null }] }, name: "Zoë 🙂" },
    {},
  ];
  for (const payload of payloads) {
    const token = jwt(JSON.stringify(payload), '{"alg":"RS256","kid":"k1"}');
    assert.deepEqual(decodeJwtClaims(token), decodeJwt(token));
  }
  // padded segments are read too (jose reads them as well)
  const padded = `${b64('{"alg":"none"}')}.${b64('{"a":1}')}==.sig`;
  assert.deepEqual(decodeJwtClaims(padded), { a: 1 });
  // the signature and header are not looked at: this is a hint, never a verification
  assert.deepEqual(decodeJwtClaims(`x.${b64('{"exp":5}')}.`), { exp: 5 });
});

Deno.test("decodeJwtClaims() returns undefined for malformed tokens instead of throwing", () => {
  const payload = b64('{"exp":1700000000}');
  const cases = [
    "",
    "opaque-access-token",
    `a.${payload}`, // two parts
    `a.${payload}.c.d`, // four parts
    `a.${payload}.c.d.e`, // JWE has five
    "a..c", // empty payload
    `a.${payload}!.c`, // not base64url
    `a.${payload.slice(0, 1)}.c`, // length 1 mod 4
    `a.${b64("not json")}.c`, // not JSON
    `a.${b64('{"exp":1')}.c`, // truncated JSON
    `a.${b64("[1,2,3]")}.c`, // JSON, not an object
    `a.${b64("null")}.c`,
    `a.${b64("1700000000")}.c`,
    `a.${b64('"exp"')}.c`,
    `a.${encodeBase64url(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))}.c`, // not UTF-8
  ];
  for (const token of cases) {
    assert.equal(decodeJwtClaims(token), undefined, token);
    assert.deepEqual(jwtTimes(token), {}, token);
  }
});

Deno.test("decodeJwtClaims() refuses tokens longer than MAX_JWT_LENGTH without decoding them", () => {
  const filler = "x".repeat(MAX_JWT_LENGTH);
  const huge = jwt(JSON.stringify({ exp: 1_700_000_000, filler }));
  assert.ok(huge.length > MAX_JWT_LENGTH);
  assert.equal(decodeJwtClaims(huge), undefined);
  assert.deepEqual(jwtTimes(huge), {});
  const justUnder = jwt(
    JSON.stringify({ exp: 1_700_000_000, filler: "x".repeat(MAX_JWT_LENGTH / 2) }),
  );
  assert.ok(justUnder.length <= MAX_JWT_LENGTH);
  assert.equal(decodeJwtClaims(justUnder)?.exp, 1_700_000_000);
});

Deno.test("jwtTimes() converts exp and iat to ms and ignores values that are not finite numbers", () => {
  assert.deepEqual(jwtTimes(jwt('{"exp":1700000000,"iat":1699996400}')), {
    exp: 1_700_000_000_000,
    iat: 1_699_996_400_000,
  });
  // 1e400 parses to Infinity; 1e306 s is finite but not in ms; strings and nulls are not times
  assert.deepEqual(jwtTimes(jwt('{"exp":1e400,"iat":-1e400}')), {});
  assert.deepEqual(jwtTimes(jwt('{"exp":1e306}')), {});
  assert.deepEqual(jwtTimes(jwt('{"exp":"1700000000","iat":null}')), {});
  assert.deepEqual(jwtTimes(jwt('{"exp":1.5}')), { exp: 1500 });
  // a claim named __proto__ is plain data
  assert.deepEqual(jwtTimes(jwt('{"__proto__":{"exp":1},"exp":2}')), { exp: 2000 });
});
