import assert from "node:assert/strict";
import { clientCredentials } from "../../mod.ts";
import { grantKeys } from "../../src/oauth/token_request.ts";

Deno.test("clientCredentials() keys name the grant as created, read from getters grants share", () => {
  const options = { tokenUrl: "https://as.example/token", clientId: "svc", scope: "a" };
  const grant = clientCredentials(options);
  const other = clientCredentials({ ...options, scope: "b" });
  options.scope = "changed"; // the keys were fixed when the grant was made
  const expected = grantKeys("client_credentials", { ...options, scope: "a" });
  assert.equal(grant.key, expected.key);
  assert.equal(grant.legacyKey, expected.legacyKey);
  assert.equal(grant.key, grant.key);
  assert.notEqual(other.key, grant.key);
  assert.equal(Object.getPrototypeOf(grant), Object.getPrototypeOf(other));
  assert.equal(Object.hasOwn(grant, "key"), false);
});
