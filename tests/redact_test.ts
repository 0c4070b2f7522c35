import assert from "node:assert/strict";
import {
  AuthFetchError,
  excerpt,
  isSecretKey,
  OAuthError,
  redactObject,
  redactText,
} from "../mod.ts";

Deno.test("redactText() removes secret-named values, bearer credentials and JWTs", () => {
  const text = redactText(
    'client_secret=abc&scope=x refresh_token: "r123" Authorization: Bearer tok.en-1 eyJhbGciOi.eyJzdWIi.sig password=hunter2',
  );
  for (const secret of ["abc", "r123", "tok.en-1", "eyJhbGciOi", "hunter2"]) {
    assert.ok(!text.includes(secret), text);
  }
  assert.ok(text.includes("scope=x"));
});

Deno.test("redactObject() redacts by key at any depth", () => {
  assert.deepEqual(
    redactObject({ a: { access_token: "x", token_type: "Bearer" }, list: [{ code: "c" }] }),
    {
      a: { access_token: "<redacted>", token_type: "Bearer" },
      list: [{ code: "<redacted>" }],
    },
  );
  assert.equal(isSecretKey("code_verifier"), true);
  assert.equal(isSecretKey("expires_in"), false);
});

Deno.test("excerpt() strips HTML and cuts long bodies", () => {
  assert.equal(
    excerpt(
      "<html><head><style>p{}</style></head><body><p>Service   Unavailable</p></body></html>",
    ),
    "Service Unavailable",
  );
  assert.ok(excerpt("x".repeat(1000)).length <= 121);
});

Deno.test("errors redact secrets from their messages and JSON", () => {
  const e = new AuthFetchError("token_unavailable", "failed with refresh_token=supersecret");
  assert.ok(!e.message.includes("supersecret"));
  const o = new OAuthError({
    error: "invalid_grant",
    errorDescription: "code=abc123 is invalid",
    status: 400,
  });
  assert.ok(!JSON.stringify(o).includes("abc123") || !o.message.includes("abc123"));
  assert.equal(o.toJSON().error, "invalid_grant");
});
