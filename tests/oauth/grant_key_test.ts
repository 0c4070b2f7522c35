import assert from "node:assert/strict";
import { clientCredentials, password, tokenExchange } from "../../mod.ts";
import { grantKeys, sha256Hex } from "../../src/oauth/grant_key.ts";

const base = { tokenUrl: "https://auth.example.com/token", clientId: "c", clientSecret: "s3cret" };

Deno.test("grantKeys() differ in everything that changes the token and hold no secret", () => {
  const keys = new Set([
    clientCredentials(base).key,
    clientCredentials({ ...base, resource: "https://a.example.com" }).key,
    clientCredentials({ ...base, resource: "https://b.example.com" }).key,
    clientCredentials({ ...base, audience: "https://api.example.com" }).key,
    clientCredentials({ ...base, scope: "read" }).key,
    clientCredentials({ ...base, params: { organization: "o1" } }).key,
    clientCredentials({ ...base, params: { organization: "o2" } }).key,
    password({ ...base, username: "alice", password: "pw" }).key,
    password({ ...base, username: "bob", password: "pw" }).key,
    clientCredentials({ ...base, tokenUrl: "https://other.example.com/token" }).key,
    clientCredentials({ ...base, clientId: "d" }).key,
  ]);
  assert.equal(keys.size, 11);
  for (const key of keys) {
    assert.match(key!, /^[a-z_]+:[0-9a-f]{32}$/);
    assert(!key!.includes("s3cret") && !key!.includes("alice"));
  }
  // Same token, same key: scope order and duplicates do not matter, a secret param is only hashed.
  assert.equal(
    clientCredentials({ ...base, scope: "a b" }).key,
    clientCredentials({ ...base, scope: ["b", "a", "a"] }).key,
  );
  const exchange = tokenExchange({ ...base, subjectToken: "subject-secret", subject: "alice" });
  assert(!exchange.key!.includes("subject-secret"));
});

Deno.test("grantKeys() give the pre-hash key as legacyKey only where it named the grant alone", () => {
  assert.equal(
    grantKeys("client_credentials", { ...base, scope: ["a", "b"], audience: "x" }).legacyKey,
    "client_credentials|https://auth.example.com/token|c|a b|x",
  );
  assert.equal(
    grantKeys("client_credentials", { ...base, resource: "https://a" }).legacyKey,
    undefined,
  );
  assert.equal(
    grantKeys("client_credentials", { ...base, params: { p: "1" } }).legacyKey,
    undefined,
  );
  assert.equal(
    password({ ...base, username: "alice", password: "pw" }).legacyKey,
    "password|https://auth.example.com/token|c|||alice",
  );
});

Deno.test("sha256Hex() matches Web Crypto", async () => {
  for (
    const text of ["", "abc", "x".repeat(55), "x".repeat(56), "x".repeat(64), "é€😀".repeat(40)]
  ) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    const expected = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
      .join("");
    assert.equal(sha256Hex(text), expected);
  }
});
