import assert from "node:assert/strict";
import fc from "npm:fast-check@^4.3.0";
import { OAuthError, tokenFromResponse, TokenResponseError } from "../../mod.ts";
import { parseFormResponse } from "../../src/oauth/token_request.ts";
import { badError, canariesIn, canaryArb, PARAMS } from "./_fuzz.ts";

const SECRET_KEYS = ["access_token", "refresh_token", "id_token", "access", "refresh", "password"];
const OTHER_KEYS = [
  "token_type",
  "expires_in",
  "scope",
  "error",
  "error_description",
  "error_uri",
  "issued_token_type",
  "toString",
  "__proto__",
  "constructor",
  "valueOf",
  "toJSON",
];

/** Any JSON value, leaning towards the shapes token endpoints send. */
const member: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, "", "Bearer", "bearer", "DPoP", "3600", " 60 ", "-1", "1e400"),
  fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER, 3600.5),
  fc.jsonValue({ maxDepth: 12 }),
);

/** Token-response-like objects with secrets planted under secret-named keys, at any depth. */
const tokenBody: fc.Arbitrary<Record<string, unknown>> = fc.record({
  secrets: fc.dictionary(fc.constantFrom(...SECRET_KEYS), fc.oneof(canaryArb, member), {
    maxKeys: 4,
  }),
  others: fc.dictionary(fc.oneof(fc.constantFrom(...OTHER_KEYS), fc.string()), member, {
    maxKeys: 6,
  }),
  nest: fc.nat(14),
}).map(({ secrets, others, nest }) => {
  let body: Record<string, unknown> = { ...others, ...secrets };
  // sometimes bury the secrets deep inside an otherwise valid response
  if (nest > 8) {
    for (let i = 0; i < nest; i++) body = { wrapper: body };
    body = { access_token: secrets.access_token ?? "plain", ...others, deep: body };
  }
  return body;
});

Deno.test("fuzz: tokenFromResponse() returns a valid Token or a documented error without secrets", () => {
  fc.assert(
    fc.property(fc.oneof(tokenBody, member), (body) => {
      const canaries = canariesIn(body);
      let token;
      try {
        token = tokenFromResponse(body, { now: () => 1_700_000_000_000 });
      } catch (error) {
        const problem = badError(error, [TokenResponseError, OAuthError], canaries);
        if (problem) throw new Error(problem);
        return;
      }
      assert.equal(typeof token.accessToken, "string");
      assert.notEqual(token.accessToken, "");
      assert.equal(token.accessToken, (body as Record<string, unknown>).access_token);
      assert.equal(typeof token.tokenType, "string");
      if (token.expiresAt !== undefined) assert.ok(Number.isFinite(token.expiresAt), "expiresAt");
      for (const k of ["refreshToken", "scope", "idToken", "issuedTokenType"] as const) {
        if (token[k] !== undefined) assert.equal(typeof token[k], "string");
      }
    }),
    PARAMS,
  );
});

/** Bodies as a server sends them: JSON, truncated JSON, HTML, form-encoded, garbage. */
const responseText: fc.Arbitrary<{ text: string; type: string; canaries: string[] }> = fc.oneof(
  tokenBody.map((b) => ({
    text: JSON.stringify(b),
    type: "application/json",
    canaries: canariesIn(b),
  })),
  fc.tuple(tokenBody, fc.nat()).map(([b, cut]) => {
    const text = JSON.stringify(b);
    return {
      text: text.slice(0, cut % (text.length + 1)),
      type: "application/json",
      canaries: canariesIn(b),
    };
  }),
  fc.tuple(fc.constantFrom(...SECRET_KEYS, "client_secret", "code", "code_verifier"), canaryArb)
    .map(([k, v]) => ({
      text: `<html><body><h1>Error</h1><p>${k}=${v}</p><pre>"${k}": "${v}"</pre></body></html>`,
      type: "text/html",
      canaries: [v],
    })),
  fc.dictionary(fc.oneof(fc.constantFrom(...SECRET_KEYS, ...OTHER_KEYS), fc.string()), fc.string())
    .map((d) => ({
      text: new URLSearchParams(d).toString(),
      type: "application/x-www-form-urlencoded",
      canaries: [],
    })),
  fc.tuple(
    fc.string({ unit: "binary", maxLength: 300 }),
    fc.constantFrom("", "text/plain", "application/json"),
  )
    .map(([text, type]) => ({ text, type, canaries: [] })),
);

Deno.test("fuzz: parseFormResponse() returns an object or a documented error without secrets", async () => {
  await fc.assert(
    fc.asyncProperty(
      responseText,
      fc.oneof(
        fc.constantFrom(200, 201, 204, 301, 302, 307, 308, 400, 401, 429, 500, 502, 503),
        fc.integer({ min: 200, max: 599 }),
      ),
      async ({ text, type, canaries }, status) => {
        const nullBody = status === 204 || status === 205 || status === 304;
        const response = new Response(nullBody ? null : text, {
          status,
          headers: type ? { "content-type": type } : {},
        });
        let result;
        try {
          result = await parseFormResponse(response, "token request");
        } catch (error) {
          const problem = badError(error, [TokenResponseError, OAuthError], canaries);
          if (problem) throw new Error(problem);
          return;
        }
        assert.ok(status >= 200 && status < 300, `accepted HTTP ${status}`);
        assert.equal(typeof result.body, "object");
        assert.ok(!Array.isArray(result.body));
      },
    ),
    PARAMS,
  );
});

Deno.test("parseFormResponse() refuses a body over 1 MiB, with or without content-length", async () => {
  const big = "{" + " ".repeat(2 << 20) + "}";
  for (const withLength of [true, false]) {
    const response = withLength
      ? new Response(big, { headers: { "content-length": String(big.length) } })
      : new Response(new Blob([big]).stream());
    await assert.rejects(parseFormResponse(response, "token request"), TokenResponseError);
  }
});
