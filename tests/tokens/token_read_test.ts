import assert from "node:assert/strict";
import { authorizationHeader, tokenFromResponse } from "../../mod.ts";
import { headerValue, lifetimeOf, readToken } from "../../src/tokens/token_read.ts";
import { jwtTimes } from "../../src/tokens/jwt_times.ts";

// The lean reader (what a successful token request runs) and tokenFromResponse() (what says why a
// response is refused) must agree on every response: the same token, or both refusing, and then
// with the reason named.

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: "none" })}.${b64url(claims)}.sig`;

const accessTokens: unknown[] = [
  "abc",
  "a.b-c_d~e+f/g==",
  "",
  "has space",
  "line\nbreak",
  "ünïcode",
  "=leading",
  "trailing==",
  jwt({ exp: 2_000, iat: 500 }),
  jwt({ exp: 2_000, iat: 5_000_000 }),
  jwt({ exp: "soon" }),
  42,
  null,
  undefined,
  ["abc"],
];
const tokenTypes: unknown[] = [
  undefined,
  "Bearer",
  "bearer",
  "DPoP",
  "mac",
  "",
  "two words",
  "x".repeat(65),
  7,
  null,
];
const lifetimes: unknown[] = [
  undefined,
  null,
  "",
  60,
  0,
  -1,
  1.5,
  "60",
  " 60 ",
  "6e1",
  "abc",
  1e308,
  NaN,
  Infinity,
  true,
];
const extras: Record<string, unknown>[] = [
  {},
  { refresh_token: "r-123", scope: "a b", id_token: "i", issued_token_type: "urn:x" },
  { refresh_token: "" },
  { scope: null },
  { scope: ["a"] },
  { refresh_token: 5 },
  { error: "invalid_grant" },
  { error: "" },
  { error: 3 },
  { issued_token_type: {} },
];

Deno.test("readToken() accepts exactly the token responses tokenFromResponse() accepts, with the same token", () => {
  const now = 1_000_000;
  let accepted = 0;
  let refused = 0;
  for (const access_token of accessTokens) {
    for (const token_type of tokenTypes) {
      for (const expires_in of lifetimes) {
        for (const extra of extras) {
          const body: Record<string, unknown> = { ...extra };
          if (access_token !== undefined) body.access_token = access_token;
          if (token_type !== undefined) body.token_type = token_type;
          if (expires_in !== undefined) body.expires_in = expires_in;
          // as requestToken() reads it: the JWT reader only for a response without a lifetime
          const lean = readToken(
            body,
            now,
            lifetimeOf(body.expires_in) === undefined ? jwtTimes : undefined,
          );
          let full: unknown;
          try {
            full = tokenFromResponse(body, { now: () => now });
          } catch (error) {
            full = error;
          }
          const label = JSON.stringify(body);
          if (lean === undefined) {
            assert.ok(
              full instanceof Error,
              `readToken() refused what tokenFromResponse() took: ${label}`,
            );
            // tokenFromResponse() names the reason: its catch-all would mean the two halves drifted
            assert.doesNotMatch(full.message, /could not be read as a token/, label);
            refused++;
          } else {
            assert.deepEqual(lean, full, label);
            accepted++;
          }
        }
      }
    }
  }
  // Both kinds are covered many times over.
  assert.ok(accepted > 500 && refused > 10_000, `${accepted} accepted, ${refused} refused`);
});

Deno.test("headerValue() gives authorizationHeader()'s value, or undefined where it throws", () => {
  for (const accessToken of accessTokens.filter((t) => typeof t === "string") as string[]) {
    for (const tokenType of tokenTypes.filter((t) => typeof t === "string") as string[]) {
      const token = { accessToken, tokenType };
      const lean = headerValue({ ...token });
      let full: unknown;
      try {
        full = authorizationHeader({ ...token });
      } catch (error) {
        full = error;
      }
      if (lean === undefined) assert.ok(full instanceof Error, JSON.stringify(token));
      else assert.equal(lean, full, JSON.stringify(token));
    }
  }
});
