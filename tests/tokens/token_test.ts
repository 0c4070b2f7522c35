import assert from "node:assert/strict";
import {
  authorizationHeader,
  jwtTimes,
  OAuthError,
  refreshAt,
  tokenFromResponse,
  TokenResponseError,
} from "../../mod.ts";

const now = () => 1_000_000;

Deno.test("tokenFromResponse() reads RFC 6749 §5.1 fields and computes expiresAt from expires_in", () => {
  const token = tokenFromResponse({
    access_token: "abc",
    token_type: "Bearer",
    expires_in: 60,
    refresh_token: "r",
    scope: "a b",
    id_token: "i",
  }, { now });
  assert.equal(token.accessToken, "abc");
  assert.equal(token.expiresAt, 1_060_000);
  assert.equal(token.issuedAt, 1_000_000);
  assert.equal(token.refreshToken, "r");
  assert.equal(token.scope, "a b");
  assert.equal(token.idToken, "i");
  assert.equal(
    tokenFromResponse({ access_token: "x", expires_in: "30" }, { now }).expiresAt,
    1_030_000,
  );
  assert.equal(tokenFromResponse({ access_token: "x" }, { now }).tokenType, "Bearer");
});

Deno.test("tokenFromResponse() takes expiry from the JWT exp claim when expires_in is missing", () => {
  const b64 = (o: unknown) =>
    btoa(JSON.stringify(o)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
  const jwt = `${b64({ alg: "none" })}.${b64({ exp: 2000, iat: 900 })}.sig`;
  const token = tokenFromResponse({ access_token: jwt, token_type: "Bearer" }, { now });
  assert.equal(token.expiresAt, 2_000_000);
  assert.equal(token.issuedAt, 900_000);
  assert.deepEqual(jwtTimes("a.b"), {});
  assert.deepEqual(jwtTimes("not.a.jwt"), {});
});

Deno.test("tokenFromResponse() rejects malformed token responses with TokenResponseError", () => {
  const cases: unknown[] = [
    [],
    null,
    "text",
    5,
    {},
    { access_token: 5 },
    { access_token: "" },
    { access_token: "a", token_type: 1 },
    { access_token: "a", expires_in: "soon" },
    { access_token: "a", expires_in: -5 },
    { access_token: "a", refresh_token: 7 },
  ];
  for (const body of cases) {
    assert.throws(() => tokenFromResponse(body, { now }), TokenResponseError, JSON.stringify(body));
  }
});

Deno.test("tokenFromResponse() turns an error member into OAuthError even in a 200", () => {
  assert.throws(
    () => tokenFromResponse({ error: "invalid_grant", error_description: "expired" }),
    (e: unknown) =>
      e instanceof OAuthError && e.error === "invalid_grant" && e.errorDescription === "expired",
  );
});

Deno.test("tokenFromResponse() never quotes the token in its error message", () => {
  try {
    tokenFromResponse({ access_token: 5, refresh_token: "super-secret-refresh" });
    assert.fail("should throw");
  } catch (e) {
    assert.ok(!String((e as Error).message).includes("super-secret-refresh"));
  }
});

Deno.test("refreshAt() clamps the refresh window to a tenth of the lifetime measured from issue", () => {
  const token = { accessToken: "a", tokenType: "Bearer", issuedAt: 0, expiresAt: 59_000 };
  assert.equal(refreshAt(token, 60_000), 53_100);
  assert.equal(refreshAt({ ...token, expiresAt: 3_600_000 }, 60_000), 3_540_000);
  assert.equal(refreshAt({ accessToken: "a", tokenType: "Bearer" }, 60_000), undefined);
});

Deno.test("authorizationHeader() normalises bearer and keeps DPoP", () => {
  assert.equal(authorizationHeader({ accessToken: "t", tokenType: "bearer" }), "Bearer t");
  assert.equal(authorizationHeader({ accessToken: "t", tokenType: "dpop" }), "DPoP t");
  assert.equal(authorizationHeader({ accessToken: "t", tokenType: "MAC" }), "MAC t");
});

Deno.test("tokenFromResponse() refuses an access_token or token_type that cannot be a header value, without quoting it", () => {
  const cases: Record<string, unknown>[] = [
    { access_token: "at-CANARY\r\nx-injected: 1", token_type: "Bearer" },
    { access_token: "at CANARY", token_type: "Bearer" },
    { access_token: "at-CANARY-ü", token_type: "Bearer" },
    { access_token: "at-CANARY,x", token_type: "bearer" },
    { access_token: "at-CANARY", token_type: "Bearer at-CANARY" },
    { access_token: "at-CANARY\u0000", token_type: "MAC" },
  ];
  for (const body of cases) {
    assert.throws(() => tokenFromResponse(body), (e: Error) => {
      assert.ok(e instanceof TokenResponseError, e.name);
      assert.ok(!e.message.includes("CANARY"), e.message);
      return true;
    });
  }
  assert.equal(
    tokenFromResponse({ access_token: "a.b-c_d~e+f/g==", token_type: "Bearer" }).tokenType,
    "Bearer",
  );
  assert.equal(
    tokenFromResponse({ access_token: "mac:a,b", token_type: "MAC" }).accessToken,
    "mac:a,b",
  );
});

Deno.test("authorizationHeader() refuses a token that cannot be a header value, without quoting it", () => {
  assert.throws(
    () => authorizationHeader({ accessToken: "at-CANARY\nx", tokenType: "Bearer" }),
    (e: Error) => e instanceof TokenResponseError && !e.message.includes("CANARY"),
  );
  const token = { accessToken: "abc", tokenType: "bearer" };
  assert.equal(authorizationHeader(token), "Bearer abc");
  assert.equal(authorizationHeader(token), "Bearer abc");
});
