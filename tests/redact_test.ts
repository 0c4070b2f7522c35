import assert from "node:assert/strict";
import {
  AuthFetchError,
  excerpt,
  isSecretKey,
  OAuthError,
  redactObject,
  redactText,
  Secrets,
  WITHHELD_ERROR,
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

Deno.test("isSecretKey() knows camelCase and kebab-case names, and not kinds of tokens", () => {
  for (
    const key of [
      "accessToken",
      "clientSecret",
      "refreshToken",
      "idToken",
      "apiKey",
      "x-api-key",
      "access-token",
      "basic",
    ]
  ) {
    assert.equal(isSecretKey(key), true, key);
  }
  for (
    const key of [
      "tokenType",
      "token_type",
      "client_assertion_type",
      "token_type_hint",
      "expiresIn",
    ]
  ) {
    assert.equal(isSecretKey(key), false, key);
  }
});

Deno.test("redactText() redacts camelCase keys, basic=, and JWTs cut short", () => {
  const text = redactText(
    '{"accessToken": "a1b2c3", "clientSecret":"d4e5"} basic=svc:pw eyJhbGciOi.eyJzdWIi',
  );
  for (const secret of ["a1b2c3", "d4e5", "svc:pw", "eyJzdWIi"]) {
    assert.ok(!text.includes(secret), text);
  }
});

Deno.test("OAuthError withholds an error code that is not an RFC 6749 code or that quotes a secret", () => {
  const secrets = new Secrets(["as-CANARY-5d8a"]);
  for (
    const code of [
      "bad\ncode",
      'quote"d',
      "back\\slash",
      "x".repeat(200),
      "as-CANARY-5d8a",
      "ümlaut",
    ]
  ) {
    const e = new OAuthError({ error: code, status: 400, secrets });
    assert.equal(e.error, WITHHELD_ERROR, code);
    assert.ok(e.message.includes("withheld"), e.message);
    assert.ok(!e.message.includes(code), e.message);
  }
  assert.equal(new OAuthError({ error: "invalid_grant", secrets }).error, "invalid_grant");
});

Deno.test("OAuthError scrubs description, error_uri and body by value and puts the description on one line", () => {
  const secrets = new Secrets(["pw-CANARY-9d2e"]);
  const e = new OAuthError({
    error: "invalid_grant",
    errorDescription: "rejected pw-CANARY-9d2e\nforged: log line",
    errorUri: "https://as.example/e/pw-CANARY-9d2e",
    body: { error: "invalid_grant", echo: ["pw-CANARY-9d2e"], "pw-CANARY-9d2e": 1, interval: 5 },
    secrets,
  });
  const all = [e.message, JSON.stringify(e), Deno.inspect(e, { depth: 10 })].join("\n");
  assert.ok(!all.includes("pw-CANARY"), all);
  assert.equal(e.errorDescription, "rejected <redacted> forged: log line");
  assert.equal(e.body?.interval, 5);
});

Deno.test("OAuthError gives hints only for the codes it knows, not for Object.prototype names", () => {
  const e = new OAuthError({ error: "constructor", status: 400 });
  assert.equal(e.error, "constructor");
  assert.ok(!e.message.includes("function"), e.message);
});
