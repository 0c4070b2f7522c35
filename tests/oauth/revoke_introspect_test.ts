import assert from "node:assert/strict";
import {
  clientCredentials,
  introspect,
  OAuthError,
  revoke,
  TokenResponseError,
} from "../../mod.ts";
import { CC_CLIENT_ID, CC_CLIENT_SECRET, startOidcProvider } from "../peers/oidc_provider.ts";

Deno.test("revoke() then introspect() reports active: false (RFC 7009, RFC 7662)", async () => {
  const peer = await startOidcProvider();
  try {
    const client = { issuer: peer.issuer, clientId: CC_CLIENT_ID, clientSecret: CC_CLIENT_SECRET };
    const token = await clientCredentials({ ...client, scope: "api:read" }).token();
    const before = await introspect({ ...client, token: token.accessToken });
    assert.equal(before.active, true);
    assert.equal(before.client_id, CC_CLIENT_ID);
    assert.equal(before.scope, "api:read");
    assert.equal(typeof before.exp, "number");

    await revoke({ ...client, token });
    assert.deepEqual(await introspect({ ...client, token: token.accessToken }), { active: false });
    // Revoking again is fine: the server answers 200 for invalid tokens too.
    await revoke({ ...client, token: token.accessToken, tokenTypeHint: "access_token" });
  } finally {
    await peer.close();
  }
});

Deno.test("introspect() and revoke() authenticate the client and surface OAuth errors", async () => {
  const peer = await startOidcProvider();
  try {
    const wrong = { issuer: peer.issuer, clientId: CC_CLIENT_ID, clientSecret: "wrong-secret" };
    await assert.rejects(
      () => introspect({ ...wrong, token: "whatever" }),
      (e) =>
        e instanceof OAuthError && e.error === "invalid_client" && !/wrong-secret/.test(e.message),
    );
    await assert.rejects(
      () => revoke({ ...wrong, token: "whatever" }),
      (e) => e instanceof OAuthError && e.error === "invalid_client",
    );
  } finally {
    await peer.close();
  }
});

Deno.test("revoke() accepts an empty or non-JSON 200; introspect() needs a boolean active", async () => {
  const seen: URLSearchParams[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    seen.push(new URLSearchParams(await request.text()));
    const path = new URL(request.url).pathname;
    if (path === "/revoke-empty") return new Response(null, { status: 200 });
    if (path === "/revoke-text") return new Response("OK", { status: 200 });
    if (path === "/revoke-500") return new Response("boom", { status: 500 });
    return Response.json({ active: "yes" });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    await revoke({ revocationUrl: `${base}/revoke-empty`, clientId: "pub", token: "t1" });
    assert.equal(seen[0].get("token"), "t1");
    assert.equal(seen[0].get("client_id"), "pub");
    assert.equal(seen[0].get("token_type_hint"), null);
    await revoke({
      revocationUrl: `${base}/revoke-text`,
      clientId: "pub",
      token: { accessToken: "a", tokenType: "Bearer", refreshToken: "r" },
    });
    assert.equal(seen[1].get("token"), "r");
    assert.equal(seen[1].get("token_type_hint"), "refresh_token");
    await assert.rejects(
      () => revoke({ revocationUrl: `${base}/revoke-500`, token: "t" }),
      TokenResponseError,
    );
    await assert.rejects(
      () => introspect({ introspectionUrl: `${base}/introspect`, token: "t" }),
      (e) => e instanceof TokenResponseError && /active/.test(e.message),
    );
  } finally {
    await server.shutdown();
  }
});
