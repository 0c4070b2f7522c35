import assert from "node:assert/strict";
import {
  authorizationCode,
  type AuthorizationCodeOptions,
  IdTokenError,
  OAuthError,
  StateError,
  tokenSource,
} from "../../mod.ts";
import {
  type OidcPeer,
  startOidcProvider,
  WEB_CLIENT_ID,
  WEB_CLIENT_REDIRECT_URI,
  WEB_CLIENT_SECRET,
} from "../peers/oidc_provider.ts";
import { completeAuthorization } from "../peers/oidc_interactions.ts";

const STATE_KEY = "state-signing-key-0123456789abcdef-0123";

async function withPeer(fn: (peer: OidcPeer) => Promise<void>): Promise<void> {
  const peer = await startOidcProvider();
  try {
    await fn(peer);
  } finally {
    await peer.close();
  }
}

function webClient(peer: OidcPeer, extra: Partial<AuthorizationCodeOptions> = {}) {
  return authorizationCode({
    issuer: peer.issuer,
    clientId: WEB_CLIENT_ID,
    clientSecret: WEB_CLIENT_SECRET,
    redirectUri: WEB_CLIENT_REDIRECT_URI,
    scope: "openid offline_access",
    stateKey: STATE_KEY,
    ...extra,
  });
}

Deno.test("authorizationCode() runs the full flow with PKCE, nonce and ID token, then refreshes", async () => {
  await withPeer(async (peer) => {
    const login = webClient(peer);
    const request = await login.start();
    assert.equal(request.url.searchParams.get("code_challenge_method"), "S256");
    assert.equal(request.url.searchParams.get("redirect_uri"), WEB_CLIENT_REDIRECT_URI);
    assert.equal(request.url.searchParams.get("nonce"), request.nonce);
    assert.equal(request.state.split(".").length, 3, "signed state is a compact JWT");
    assert.match(request.codeVerifier, /^[A-Za-z0-9_-]{43}$/);

    const callback = await completeAuthorization(request.url, { login: "bob" });
    const token = await login.finish(callback, request);
    assert.equal(token.idTokenClaims?.sub, "bob");
    assert.equal(token.idTokenClaims?.nonce, request.nonce);
    assert.equal(typeof token.refreshToken, "string");

    // The result plugs into tokenSource: first the login's token, then renewals by refresh token.
    const tokens = tokenSource(login.grant(token));
    assert.equal((await tokens.getToken()).accessToken, token.accessToken);
    const renewed = await tokens.getToken({ rejected: token.accessToken });
    assert.notEqual(renewed.accessToken, token.accessToken);
    assert.equal(typeof renewed.refreshToken, "string");
  });
});

Deno.test("authorizationCode() works with a plain random state and base URL parts", async () => {
  await withPeer(async (peer) => {
    const login = webClient(peer, {
      redirectUri: undefined,
      stateKey: undefined,
      scheme: "http",
      host: "127.0.0.1",
      prefix: "",
    });
    assert.equal(login.redirectUri, WEB_CLIENT_REDIRECT_URI);
    const request = await login.start();
    assert.match(request.state, /^[A-Za-z0-9_-]{43}$/);
    const callback = await completeAuthorization(request.url);
    const token = await login.finish(callback.href, request);
    assert.equal(token.idTokenClaims?.sub, "alice");
  });
});

Deno.test("authorizationCode() rejects a tampered ID token", async () => {
  await withPeer(async (peer) => {
    const tamper: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (!url.endsWith("/token") || !response.ok) return response;
      const body = await response.json();
      const [h, p, s] = (body.id_token as string).split(".");
      const claims = JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/")));
      claims.sub = "mallory";
      const forged = btoa(JSON.stringify(claims)).replace(/=+$/, "").replace(/\+/g, "-")
        .replace(/\//g, "_");
      return Response.json({ ...body, id_token: `${h}.${forged}.${s}` });
    };
    const login = webClient(peer, { fetch: tamper });
    const request = await login.start();
    const callback = await completeAuthorization(request.url);
    await assert.rejects(
      () => login.finish(callback, request),
      (e) => e instanceof IdTokenError && /signature/.test(e.message),
    );
  });
});

Deno.test("authorizationCode() rejects an ID token with the wrong nonce", async () => {
  await withPeer(async (peer) => {
    const login = webClient(peer);
    const request = await login.start();
    const callback = await completeAuthorization(request.url);
    await assert.rejects(
      () => login.finish(callback, { ...request, nonce: "another-login's-nonce" }),
      (e) => e instanceof IdTokenError && /nonce/.test(e.message),
    );
  });
});

Deno.test("authorizationCode() rejects a response from a foreign iss (RFC 9207)", async () => {
  await withPeer(async (peer) => {
    const login = webClient(peer);
    const request = await login.start();
    const callback = await completeAuthorization(request.url);
    const foreign = new URL(callback);
    foreign.searchParams.set("iss", "https://evil.example");
    await assert.rejects(
      () => login.finish(foreign, request),
      (e) => e instanceof StateError && /evil\.example/.test(e.message),
    );
    // The server advertises authorization_response_iss_parameter_supported: iss is required.
    const missing = new URL(callback);
    missing.searchParams.delete("iss");
    await assert.rejects(() => login.finish(missing, request), StateError);
  });
});

Deno.test("authorizationCode() rejects an expired, forged, mismatched or other client's state", async () => {
  await withPeer(async (peer) => {
    let now = Date.now();
    const login = webClient(peer, { now: () => now });
    const request = await login.start();
    const callback = await completeAuthorization(request.url);

    now += 11 * 60_000;
    await assert.rejects(
      () => login.finish(callback, request),
      (e) => e instanceof StateError && /expired/.test(e.message),
    );
    now -= 11 * 60_000;

    const forged = new URL(callback);
    forged.searchParams.set("state", `${request.state.slice(0, -2)}xx`);
    await assert.rejects(() => login.finish(forged, request), StateError);

    const other = await login.start();
    await assert.rejects(
      () => login.finish(callback, { ...request, state: other.state }),
      (e) => e instanceof StateError && /does not match/.test(e.message),
    );

    const otherClient = authorizationCode({
      issuer: peer.issuer,
      clientId: "another-client",
      redirectUri: WEB_CLIENT_REDIRECT_URI,
      stateKey: STATE_KEY,
    });
    await assert.rejects(
      () => otherClient.finish(callback, { codeVerifier: request.codeVerifier }),
      (e) => e instanceof StateError && /another client/.test(e.message),
    );
  });
});

Deno.test("authorizationCode() turns error in the callback into an OAuthError", async () => {
  await withPeer(async (peer) => {
    const login = webClient(peer);
    const request = await login.start();
    const callback = await completeAuthorization(request.url, { deny: true });
    await assert.rejects(
      () => login.finish(callback, request),
      (e) => e instanceof OAuthError && e.error === "access_denied",
    );
  });
});

Deno.test("authorizationCode() builds the redirect URI from a base URL or parts", () => {
  const common = { clientId: "c", authorizationUrl: "https://as.example/authorize" };
  assert.equal(
    authorizationCode({ ...common, baseUrl: "https://app.example/myapp/" }).redirectUri,
    "https://app.example/myapp/callback",
  );
  assert.equal(
    authorizationCode({
      ...common,
      host: "app.example",
      port: 8443,
      prefix: "/myapp/",
      callbackPath: "/auth/cb",
    }).redirectUri,
    "https://app.example:8443/myapp/auth/cb",
  );
  assert.throws(() => authorizationCode({ ...common, host: "a/b" }), TypeError);
  assert.throws(() => authorizationCode({ ...common, host: "a", port: 0 }), RangeError);
  assert.throws(() => authorizationCode({ ...common, timeout: -1 }), RangeError);
  assert.throws(() => authorizationCode({ ...common, stateKey: "short" }), RangeError);
  assert.throws(() => authorizationCode({ ...common, clientId: "" }), TypeError);
});

Deno.test("authorizationCode() does not follow redirects from the token endpoint and times out", async () => {
  let hang: (() => void) | undefined;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    if (new URL(request.url).pathname === "/redirect") {
      return new Response(null, { status: 307, headers: { location: "https://evil.example/" } });
    }
    return new Promise<Response>((resolve) => {
      hang = () => resolve(new Response("late"));
    });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    for (
      const [path, check] of [
        ["/redirect", /redirect/],
        ["/slow", /timed out/],
      ] as const
    ) {
      const login = authorizationCode({
        clientId: "c",
        authorizationUrl: `${base}/authorize`,
        tokenUrl: `${base}${path}`,
        redirectUri: "http://127.0.0.1/callback",
        timeout: 50,
      });
      const request = await login.start();
      await assert.rejects(
        () => login.finish(`/callback?code=abc&state=${request.state}`, request),
        (e) => e instanceof Error && check.test(e.message) && !/abc/.test(e.message),
      );
    }
  } finally {
    hang?.();
    await server.shutdown();
  }
});
