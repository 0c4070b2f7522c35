import assert from "node:assert/strict";
import { auth, clientCredentials, createFetch, OAuthError, tokenSource } from "../../mod.ts";
import {
  CC_CLIENT_ID,
  CC_CLIENT_SECRET,
  CC_POST_CLIENT_ID,
  CC_POST_CLIENT_SECRET,
  startOidcProvider,
  tokenUrl,
} from "../peers/oidc_provider.ts";

Deno.test("clientCredentials() gets a token from oidc-provider with client_secret_basic and client_secret_post", async () => {
  const peer = await startOidcProvider();
  try {
    const basic = await clientCredentials({
      tokenUrl: tokenUrl(peer),
      clientId: CC_CLIENT_ID,
      clientSecret: CC_CLIENT_SECRET,
      scope: "api:read",
    }).token();
    assert.ok(basic.accessToken.length > 10);
    assert.equal(basic.tokenType, "Bearer");
    assert.ok(basic.expiresAt! > Date.now());
    const post = await clientCredentials({
      issuer: peer.issuer,
      clientId: CC_POST_CLIENT_ID,
      clientSecret: CC_POST_CLIENT_SECRET,
      clientAuth: "client_secret_post",
      scope: "api:read",
    }).token();
    assert.ok(post.accessToken.length > 10);
  } finally {
    await peer.close();
  }
});

Deno.test("clientCredentials() with a wrong secret gives OAuthError invalid_client without the secret", async () => {
  const peer = await startOidcProvider();
  try {
    const wrong = "wrong-secret-canary-123456";
    await assert.rejects(
      () =>
        clientCredentials({ tokenUrl: tokenUrl(peer), clientId: CC_CLIENT_ID, clientSecret: wrong })
          .token(),
      (e: unknown) => {
        assert.ok(e instanceof OAuthError);
        assert.equal(e.error, "invalid_client");
        assert.equal(e.status, 401);
        assert.ok(!e.message.includes(wrong));
        assert.ok(!JSON.stringify(e).includes(wrong));
        return true;
      },
    );
  } finally {
    await peer.close();
  }
});

Deno.test("auth() with an oidc-provider client credentials token calls a loopback API", async () => {
  const peer = await startOidcProvider();
  const controller = new AbortController();
  const api = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: controller.signal,
    onListen: () => {},
  }, (r) =>
    new Response(r.headers.get("authorization")?.startsWith("Bearer ") ? "ok" : "no", {
      status: r.headers.has("authorization") ? 200 : 401,
    }));
  try {
    const tokens = tokenSource(
      clientCredentials({
        issuer: peer.issuer,
        clientId: CC_CLIENT_ID,
        clientSecret: CC_CLIENT_SECRET,
      }),
    );
    const fetch = createFetch([auth(tokens)]);
    const response = await fetch(`http://127.0.0.1:${api.addr.port}/`);
    assert.equal(await response.text(), "ok");
  } finally {
    controller.abort();
    await api.finished;
    await peer.close();
  }
});
