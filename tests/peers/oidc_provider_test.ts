// Proves the oidc-provider peer and the interaction driver work, using only fetch + jose.
import assert from "node:assert/strict";
import { base64url, createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import {
  CC_CLIENT_ID,
  CC_CLIENT_SECRET,
  CC_POST_CLIENT_ID,
  CC_POST_CLIENT_SECRET,
  DEVICE_CLIENT_ID,
  NATIVE_CLIENT_ID,
  type OidcPeer,
  startOidcProvider,
  tokenUrl,
  WEB_CLIENT_ID,
  WEB_CLIENT_REDIRECT_URI,
  WEB_CLIENT_SECRET,
} from "./oidc_provider.ts";
import { approveDeviceCode, completeAuthorization } from "./oidc_interactions.ts";

type Json = Record<string, unknown>;

function basic(id: string, secret: string): string {
  return `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;
}

async function post(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: await response.json() };
}

async function withPeer(
  fn: (peer: OidcPeer, meta: Json) => Promise<void>,
  options?: Parameters<typeof startOidcProvider>[0],
) {
  const peer = await startOidcProvider(options);
  try {
    const response = await fetch(`${peer.issuer}/.well-known/openid-configuration`);
    await fn(peer, await response.json());
  } finally {
    await peer.close();
  }
}

async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url.encode(new Uint8Array(digest)) };
}

function authorizationUrl(meta: Json, params: Record<string, string>): URL {
  const url = new URL(meta.authorization_endpoint as string);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url;
}

Deno.test("oidc peer serves discovery and jwks for its issuer", async () => {
  await withPeer(async (peer, meta) => {
    assert.deepEqual(meta.issuer, peer.issuer);
    assert.deepEqual(meta.token_endpoint, tokenUrl(peer));
    assert(new URL(peer.issuer).port !== "");
    const jwks = await (await fetch(meta.jwks_uri as string)).json();
    assert.deepEqual(jwks.keys.map((k: Json) => k.kid), peer.jwks.keys.map((k) => (k as Json).kid));
    assert.deepEqual((peer.jwks.keys[0] as Json).d, undefined, "public keys only");
  });
});

Deno.test("oidc peer issues client credentials tokens", async () => {
  await withPeer(async (peer) => {
    const viaBasic = await post(
      tokenUrl(peer),
      { grant_type: "client_credentials", scope: "api:read" },
      { authorization: basic(CC_CLIENT_ID, CC_CLIENT_SECRET) },
    );
    assert.deepEqual(viaBasic.status, 200);
    assert(typeof viaBasic.body.access_token === "string");
    assert.deepEqual(viaBasic.body.token_type, "Bearer");
    assert.deepEqual(viaBasic.body.scope, "api:read");
    assert.deepEqual(viaBasic.body.expires_in, 3600);

    const viaPost = await post(tokenUrl(peer), {
      grant_type: "client_credentials",
      client_id: CC_POST_CLIENT_ID,
      client_secret: CC_POST_CLIENT_SECRET,
      scope: "api:read api:write",
    });
    assert.deepEqual(viaPost.status, 200);
    assert(typeof viaPost.body.access_token === "string");
    assert.deepEqual(viaPost.body.scope, "api:read api:write");

    const disallowed = await post(
      tokenUrl(peer),
      { grant_type: "client_credentials", scope: "openid" },
      { authorization: basic(CC_CLIENT_ID, CC_CLIENT_SECRET) },
    );
    assert.deepEqual(disallowed.status, 400);
    assert.deepEqual(disallowed.body.error, "invalid_scope");
  }, { ttl: { ClientCredentials: 3600 } });
});

Deno.test("oidc peer rejects a wrong client secret with invalid_client", async () => {
  await withPeer(async (peer) => {
    const { status, body } = await post(
      tokenUrl(peer),
      { grant_type: "client_credentials" },
      { authorization: basic(CC_CLIENT_ID, "wrong-secret") },
    );
    assert.deepEqual(status, 401);
    assert.deepEqual(body.error, "invalid_client");
  });
});

Deno.test("oidc peer introspects and revokes client credentials tokens", async () => {
  await withPeer(async (peer, meta) => {
    const auth = { authorization: basic(CC_CLIENT_ID, CC_CLIENT_SECRET) };
    const { body: token } = await post(
      tokenUrl(peer),
      { grant_type: "client_credentials", scope: "api:read" },
      auth,
    );
    const accessToken = token.access_token as string;
    const introspect = () =>
      post(meta.introspection_endpoint as string, { token: accessToken }, auth);

    const active = await introspect();
    assert.deepEqual(active.status, 200);
    assert.deepEqual(active.body.active, true);
    assert.deepEqual(active.body.client_id, CC_CLIENT_ID);
    assert.deepEqual(active.body.scope, "api:read");

    const revoked = await fetch(meta.revocation_endpoint as string, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...auth },
      body: new URLSearchParams({ token: accessToken }),
    });
    assert.deepEqual(revoked.status, 200);
    await revoked.body?.cancel();

    assert.deepEqual((await introspect()).body, { active: false });
  });
});

Deno.test("oidc peer accepts client_secret_jwt from an extra client", async () => {
  const secret = "jwt-secret-value-0123456789abcdef0123456789";
  await withPeer(async (peer) => {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("jwt-client")
      .setSubject("jwt-client")
      .setAudience(peer.issuer)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime("1m")
      .sign(new TextEncoder().encode(secret));
    const { status, body } = await post(tokenUrl(peer), {
      grant_type: "client_credentials",
      client_id: "jwt-client",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    });
    assert.deepEqual(status, 200, JSON.stringify(body));
    assert(typeof body.access_token === "string");
  }, {
    clients: [{
      client_id: "jwt-client",
      client_secret: secret,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_jwt",
    }],
  });
});

Deno.test("oidc peer runs authorization code + PKCE with id_token and refresh", async () => {
  await withPeer(async (peer, meta) => {
    const { challenge } = await pkce();
    const state = crypto.randomUUID();
    const nonce = crypto.randomUUID();
    const callback = await completeAuthorization(
      authorizationUrl(meta, {
        client_id: WEB_CLIENT_ID,
        response_type: "code",
        redirect_uri: WEB_CLIENT_REDIRECT_URI,
        scope: "openid offline_access",
        state,
        nonce,
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
      { login: "bob" },
    );
    assert.deepEqual(`${callback.origin}${callback.pathname}`, WEB_CLIENT_REDIRECT_URI);
    assert.deepEqual(callback.searchParams.get("state"), state);
    assert.deepEqual(callback.searchParams.get("iss"), peer.issuer);
    const code = callback.searchParams.get("code");
    assert(code);

    const auth = { authorization: basic(WEB_CLIENT_ID, WEB_CLIENT_SECRET) };
    const wrongVerifier = await post(tokenUrl(peer), {
      grant_type: "authorization_code",
      code,
      redirect_uri: WEB_CLIENT_REDIRECT_URI,
      code_verifier: (await pkce()).verifier,
    }, auth);
    assert.deepEqual(wrongVerifier.body.error, "invalid_grant");

    // A failed PKCE check may consume the code: run a fresh authorization (each driver call has
    // its own cookie jar, so it logs in and consents again).
    const second = await pkce();
    const callback2 = await completeAuthorization(
      authorizationUrl(meta, {
        client_id: WEB_CLIENT_ID,
        response_type: "code",
        redirect_uri: WEB_CLIENT_REDIRECT_URI,
        scope: "openid offline_access",
        nonce,
        code_challenge: second.challenge,
        code_challenge_method: "S256",
      }),
      { login: "bob" },
    );
    const tokens = await post(tokenUrl(peer), {
      grant_type: "authorization_code",
      code: callback2.searchParams.get("code")!,
      redirect_uri: WEB_CLIENT_REDIRECT_URI,
      code_verifier: second.verifier,
    }, auth);
    assert.deepEqual(tokens.status, 200, JSON.stringify(tokens.body));
    assert(typeof tokens.body.access_token === "string");
    assert(typeof tokens.body.refresh_token === "string");
    const { payload } = await jwtVerify(
      tokens.body.id_token as string,
      createLocalJWKSet(peer.jwks as Parameters<typeof createLocalJWKSet>[0]),
      { issuer: peer.issuer, audience: WEB_CLIENT_ID },
    );
    assert.deepEqual(payload.sub, "bob");
    assert.deepEqual(payload.nonce, nonce);

    const refreshed = await post(tokenUrl(peer), {
      grant_type: "refresh_token",
      refresh_token: tokens.body.refresh_token as string,
    }, auth);
    assert.deepEqual(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert(typeof refreshed.body.access_token === "string");
    assert(refreshed.body.access_token !== tokens.body.access_token);
  });
});

Deno.test("oidc peer allows loopback port variation only for native clients", async () => {
  await withPeer(async (peer, meta) => {
    const { verifier, challenge } = await pkce();
    const redirectUri = "http://127.0.0.1:54321/callback";
    const callback = await completeAuthorization(
      authorizationUrl(meta, {
        client_id: NATIVE_CLIENT_ID,
        response_type: "code",
        redirect_uri: redirectUri,
        scope: "openid",
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
    );
    assert.deepEqual(`${callback.origin}${callback.pathname}`, redirectUri);
    const tokens = await post(tokenUrl(peer), {
      grant_type: "authorization_code",
      client_id: NATIVE_CLIENT_ID,
      code: callback.searchParams.get("code")!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    assert.deepEqual(tokens.status, 200, JSON.stringify(tokens.body));
    assert(typeof tokens.body.refresh_token === "string", "public clients get refresh tokens");

    await assert.rejects(
      () =>
        completeAuthorization(authorizationUrl(meta, {
          client_id: WEB_CLIENT_ID,
          response_type: "code",
          redirect_uri: redirectUri,
          scope: "openid",
          code_challenge: challenge,
          code_challenge_method: "S256",
        })),
      /redirect_uri did not match/,
    );
  });
});

Deno.test("oidc peer runs the device authorization flow", async () => {
  await withPeer(async (peer, meta) => {
    const { status, body: device } = await post(meta.device_authorization_endpoint as string, {
      client_id: DEVICE_CLIENT_ID,
      scope: "openid offline_access",
    });
    assert.deepEqual(status, 200);
    const poll = () =>
      post(tokenUrl(peer), {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: DEVICE_CLIENT_ID,
        device_code: device.device_code as string,
      });

    assert.deepEqual((await poll()).body.error, "authorization_pending");
    await approveDeviceCode(device.verification_uri as string, device.user_code as string, {
      login: "carol",
    });
    const tokens = await poll();
    assert.deepEqual(tokens.status, 200, JSON.stringify(tokens.body));
    assert(typeof tokens.body.access_token === "string");
    assert(typeof tokens.body.refresh_token === "string");
    assert(typeof tokens.body.id_token === "string");
    const { payload } = await jwtVerify(
      tokens.body.id_token as string,
      createLocalJWKSet(peer.jwks as Parameters<typeof createLocalJWKSet>[0]),
      { issuer: peer.issuer, audience: DEVICE_CLIENT_ID },
    );
    assert.deepEqual(payload.sub, "carol");

    const refreshed = await post(tokenUrl(peer), {
      grant_type: "refresh_token",
      client_id: DEVICE_CLIENT_ID,
      refresh_token: tokens.body.refresh_token as string,
    });
    assert.deepEqual(refreshed.status, 200, JSON.stringify(refreshed.body));

    // verification_uri_complete works too.
    const { body: second } = await post(meta.device_authorization_endpoint as string, {
      client_id: DEVICE_CLIENT_ID,
      scope: "openid",
    });
    await approveDeviceCode(
      second.verification_uri_complete as string,
      second.user_code as string,
    );
    const secondTokens = await post(tokenUrl(peer), {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      client_id: DEVICE_CLIENT_ID,
      device_code: second.device_code as string,
    });
    assert.deepEqual(secondTokens.status, 200, JSON.stringify(secondTokens.body));
  });
});

Deno.test("oidc peer reports access_denied when the user denies", async () => {
  await withPeer(async (peer, meta) => {
    const { challenge } = await pkce();
    const callback = await completeAuthorization(
      authorizationUrl(meta, {
        client_id: WEB_CLIENT_ID,
        response_type: "code",
        redirect_uri: WEB_CLIENT_REDIRECT_URI,
        scope: "openid",
        state: "s1",
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
      { deny: true },
    );
    assert.deepEqual(callback.searchParams.get("error"), "access_denied");
    assert.deepEqual(callback.searchParams.get("state"), "s1");
    assert.deepEqual(callback.searchParams.get("code"), null);

    const { body: device } = await post(meta.device_authorization_endpoint as string, {
      client_id: DEVICE_CLIENT_ID,
      scope: "openid",
    });
    await approveDeviceCode(device.verification_uri as string, device.user_code as string, {
      deny: true,
    });
    const denied = await post(tokenUrl(peer), {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      client_id: DEVICE_CLIENT_ID,
      device_code: device.device_code as string,
    });
    assert.deepEqual(denied.status, 400);
    assert.deepEqual(denied.body.error, "access_denied");
  });
});
