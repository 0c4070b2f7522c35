import assert from "node:assert/strict";
import { clientCredentials, discover, password, refreshToken } from "../../mod.ts";

const ok = (): Promise<Response> =>
  Promise.resolve(Response.json({ access_token: "at", token_type: "Bearer", expires_in: 60 }));

function grantsFor(tokenUrl: string, allowInsecureHttp?: boolean) {
  let calls = 0;
  const fetch = () => {
    calls++;
    return ok();
  };
  const common = { tokenUrl, clientId: "c", clientSecret: "s", fetch, allowInsecureHttp };
  return {
    grants: [
      clientCredentials(common),
      password({ ...common, username: "u", password: "p" }),
      refreshToken({ ...common, refreshToken: "r" }),
    ],
    calls: () => calls,
  };
}

Deno.test("plain http: token endpoints are refused before any request unless loopback or allowed", async () => {
  for (
    const url of [
      "http://auth.example.com/token",
      "http://10.0.0.5/token",
      "http://localhost.evil.com/token",
      "http://127.0.0.1.nip.io/token",
      "http://0.0.0.0/token",
    ]
  ) {
    const { grants, calls } = grantsFor(url);
    for (const grant of grants) {
      await assert.rejects(grant.token(), (e: Error) => {
        assert.ok(e instanceof TypeError, `${url}: ${e.name}`);
        assert.match(e.message, /https/);
        return true;
      });
    }
    assert.equal(calls(), 0, url);
  }
});

Deno.test("loopback http: token endpoints are accepted", async () => {
  for (
    const url of [
      "http://127.0.0.1:8080/token",
      "http://localhost:9/token",
      "http://[::1]:8080/token",
      "http://127.1.2.3/token",
      "http://api.localhost/token",
    ]
  ) {
    const { grants, calls } = grantsFor(url);
    for (const grant of grants) assert.equal((await grant.token()).accessToken, "at");
    assert.equal(calls(), 3, url);
  }
});

Deno.test("allowInsecureHttp: true permits a plain http: token endpoint", async () => {
  const { grants, calls } = grantsFor("http://auth.example.com/token", true);
  for (const grant of grants) assert.equal((await grant.token()).accessToken, "at");
  assert.equal(calls(), 3);
});

Deno.test("discovery refuses a plain http: issuer, and an https issuer advertising an http: token endpoint", async () => {
  assert.throws(() => discover("http://issuer.example.com", { fetch: ok }), TypeError);
  const issuer = "https://issuer-insecure-endpoint.example.com";
  let tokenCalls = 0;
  const fetch = (input: RequestInfo | URL) => {
    const url = new Request(input).url;
    if (url.includes(".well-known")) {
      return Promise.resolve(
        Response.json({
          issuer,
          token_endpoint: "http://issuer-insecure-endpoint.example.com/token",
        }),
      );
    }
    tokenCalls++;
    return ok();
  };
  const grant = clientCredentials({ issuer, clientId: "c", clientSecret: "s", fetch });
  await assert.rejects(grant.token(), TypeError);
  assert.equal(tokenCalls, 0);
});
