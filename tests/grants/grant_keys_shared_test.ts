import assert from "node:assert/strict";
import { clientCredentials, password } from "../../mod.ts";
import { grantKeys } from "../../src/oauth/grant_key.ts";

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

Deno.test("clientCredentials() grants share their token(), which reads the options the grant was made with", async () => {
  const sent: string[] = [];
  const fetch = (_input: RequestInfo | URL, init?: RequestInit) => {
    sent.push(String(init?.body));
    return Promise.resolve(
      Response.json({ access_token: `t${sent.length}`, token_type: "Bearer" }),
    );
  };
  const options = { tokenUrl: "https://as.example/token", clientId: "svc", scope: "a", fetch };
  const grant = clientCredentials(options);
  const other = clientCredentials({ ...options, scope: "b" });
  assert.equal(grant.token, other.token); // one function, no closure per grant
  options.scope = "changed"; // the grant requests what it was made with
  assert.equal((await grant.token()).accessToken, "t1");
  assert.equal((await other.token()).accessToken, "t2");
  assert.deepEqual(sent.map((body) => new URLSearchParams(body).get("scope")), ["a", "b"]);
});

Deno.test("clientCredentials(): a detached token() says how to call it; an inspected grant shows no secret", async () => {
  const grant = clientCredentials({
    tokenUrl: "https://as.example/token",
    clientId: "svc",
    clientSecret: "grant-secret-value",
  });
  const { token } = grant;
  await assert.rejects(async () => await token(), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /call it on its grant \(grant\.token\(\)\)/);
    return true;
  });
  for (const shown of [Deno.inspect(grant, { depth: 10 }), JSON.stringify(grant), String(grant)]) {
    assert.equal(shown.includes("grant-secret-value"), false, shown);
  }
});

Deno.test("password() grants share token() and refresh(); an inspected grant shows no password", async () => {
  const sent: URLSearchParams[] = [];
  const fetch = (_input: RequestInfo | URL, init?: RequestInit) => {
    sent.push(new URLSearchParams(String(init?.body)));
    return Promise.resolve(
      Response.json({ access_token: `t${sent.length}`, token_type: "Bearer", refresh_token: "r" }),
    );
  };
  const options = { tokenUrl: "https://as.example/token", username: "ann", password: "pw-value-9" };
  const grant = password({ ...options, fetch });
  const other = password({ ...options, username: "bob", fetch });
  assert.equal(grant.token, other.token);
  assert.equal(grant.refresh, other.refresh);
  const token = await grant.token();
  await other.token();
  await grant.refresh!(token);
  assert.deepEqual(sent.map((form) => form.get("username") ?? form.get("grant_type")), [
    "ann",
    "bob",
    "refresh_token",
  ]);
  const { refresh } = grant;
  await assert.rejects(async () => await refresh!(token), /call it on its grant/);
  assert.equal(Deno.inspect(grant, { depth: 10 }).includes("pw-value-9"), false);
});
