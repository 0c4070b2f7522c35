import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import {
  auth,
  createFetch,
  existingToken,
  jsonLogin,
  type JsonLoginOptions,
  OAuthError,
  TokenResponseError,
  tokenSource,
} from "../../mod.ts";
import { type SimpleJwtServer, startSimpleJwtServer } from "../peers/simplejwt_server.ts";

function clock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function withServer(
  fn: (server: SimpleJwtServer, time: ReturnType<typeof clock>) => Promise<void>,
  options: { rotateRefreshTokens?: boolean } = {},
) {
  const time = clock();
  const server = startSimpleJwtServer({ now: time.now, ...options });
  try {
    await fn(server, time);
  } finally {
    await server.close();
  }
}

function loginOptions(server: SimpleJwtServer, now: () => number): JsonLoginOptions {
  return {
    loginUrl: server.loginUrl,
    refreshUrl: server.refreshUrl,
    verifyUrl: server.verifyUrl,
    credentials: { username: "alice", password: "wonderland" },
    now,
  };
}

Deno.test("jsonLogin() logs in to a SimpleJWT API, reads access/refresh and the JWT exp", async () => {
  await withServer(async (server, time) => {
    const grant = jsonLogin(loginOptions(server, time.now));
    const token = await grant.token();
    assert.equal(token.tokenType, "Bearer");
    assert.equal(decodeJwt(token.accessToken).token_type, "access");
    assert.equal(decodeJwt(token.refreshToken!).token_type, "refresh");
    assert.equal(token.expiresAt, (decodeJwt(token.accessToken).exp as number) * 1000);
    assert.equal(server.counters.logins, 1);
    assert.equal(grant.legacyKey, `json_login|${server.loginUrl}|alice`);
    assert.match(grant.key!, /^json_login:[0-9a-f]{32}$/);
  });
});

Deno.test("jsonLogin() with tokenSource and auth(): refresh before expiry through the refresh URL", async () => {
  await withServer(async (server, time) => {
    const tokens = tokenSource(jsonLogin(loginOptions(server, time.now)), { now: time.now });
    const api = createFetch([auth(tokens)]);
    assert.deepEqual(await (await api(server.meUrl)).json(), { username: "alice" });
    const first = await tokens.getToken();
    time.advance(301_000); // the 5 min access token has expired
    assert.deepEqual(await (await api(server.meUrl)).json(), { username: "alice" });
    const second = await tokens.getToken();
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(
      second.refreshToken,
      first.refreshToken,
      "a refresh without rotation keeps the old one",
    );
    assert.deepEqual(
      {
        logins: server.counters.logins,
        refreshes: server.counters.refreshes,
        api401: server.counters.api401,
      },
      { logins: 1, refreshes: 1, api401: 0 },
    );
  });
});

Deno.test("jsonLogin() keeps a rotated refresh token", async () => {
  await withServer(async (server, time) => {
    const grant = jsonLogin(loginOptions(server, time.now));
    const first = await grant.token();
    time.advance(1000);
    const second = await grant.refresh!(first);
    assert.notEqual(second.refreshToken, first.refreshToken);
    const third = await grant.refresh!(second);
    assert.equal(decodeJwt(third.accessToken).token_type, "access");
    // The old one is blacklisted: invalid_grant.
    const error = await grant.refresh!(first).catch((e) => e);
    assert(error instanceof OAuthError);
    assert.equal(error.error, "invalid_grant");
  }, { rotateRefreshTokens: true });
});

Deno.test("jsonLogin(): a refresh token rejected with 401 falls back to logging in again", async () => {
  await withServer(async (server, time) => {
    const tokens = tokenSource(jsonLogin(loginOptions(server, time.now)), { now: time.now });
    const first = await tokens.getToken();
    server.blacklist(first.refreshToken!);
    time.advance(301_000);
    const second = await tokens.getToken();
    assert.notEqual(second.accessToken, first.accessToken);
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.deepEqual(
      {
        logins: server.counters.logins,
        failedRefreshes: server.counters.failedRefreshes,
      },
      { logins: 2, failedRefreshes: 1 },
    );
  });
});

Deno.test("jsonLogin().verify() asks the verify URL: true for a valid token, false for a bad one", async () => {
  await withServer(async (server, time) => {
    const grant = jsonLogin(loginOptions(server, time.now));
    const token = await grant.token();
    assert.equal(await grant.verify(token), true);
    assert.equal(await grant.verify(token.refreshToken!), true);
    assert.equal(await grant.verify("not-a-token"), false);
    time.advance(301_000);
    assert.equal(await grant.verify(token.accessToken), false);
    assert.equal(server.counters.verifies, 4);
    const noVerify = jsonLogin({ ...loginOptions(server, time.now), verifyUrl: undefined });
    await assert.rejects(noVerify.verify("x"), TypeError);
  });
});

Deno.test("jsonLogin(): wrong credentials are an OAuthError with the server's detail and no password", async () => {
  await withServer(async (server, time) => {
    const error = await jsonLogin({
      ...loginOptions(server, time.now),
      credentials: { username: "alice", password: "hunter2-secret" },
    }).token().catch((e) => e);
    assert(error instanceof OAuthError);
    assert.equal(error.error, "invalid_grant");
    assert.equal(error.status, 401);
    assert.equal(error.errorDescription, "No active account found with the given credentials");
    assert(!error.message.includes("hunter2"));
    const missing = await jsonLogin({ ...loginOptions(server, time.now), credentials: {} }).token()
      .catch((e) => e);
    assert(missing instanceof OAuthError);
    assert.equal(missing.error, "invalid_request");
    assert.match(missing.message, /This field is required/);
  });
});

Deno.test("existingToken() with a jsonLogin() fallback: start from a stored pair, then refresh", async () => {
  await withServer(async (server, time) => {
    const login = jsonLogin(loginOptions(server, time.now));
    const stored = await login.token();
    const tokens = tokenSource(
      existingToken({
        accessToken: stored.accessToken,
        refreshToken: stored.refreshToken,
        fallback: login,
        now: time.now,
      }),
      { now: time.now },
    );
    assert.equal((await tokens.getToken()).accessToken, stored.accessToken);
    time.advance(301_000);
    const renewed = await tokens.getToken();
    assert.notEqual(renewed.accessToken, stored.accessToken);
    assert.deepEqual([server.counters.logins, server.counters.refreshes], [1, 1]);
  });
});

function answering(response: () => Response) {
  return jsonLogin({
    loginUrl: "https://api.example.com/api/token/",
    refreshUrl: "https://api.example.com/api/token/refresh/",
    credentials: { username: "bob", password: "pw-secret" },
    fetch: () => Promise.resolve(response()),
  });
}

Deno.test("jsonLogin(): HTML, non-JSON, 5xx and redirects are TokenResponseErrors", async () => {
  const cases: [() => Response, RegExp][] = [
    [
      () =>
        new Response("<html><body>Server Error</body></html>", {
          status: 500,
          headers: { "content-type": "text/html" },
        }),
      /HTML page with HTTP 500/,
    ],
    [() => new Response("plain text", { status: 200 }), /non-JSON/],
    [() => Response.json({ detail: "boom" }, { status: 502 }), /HTTP 502/],
    [
      () => new Response(null, { status: 302, headers: { location: "https://evil.example/" } }),
      /redirect/,
    ],
    [() => Response.json({ token: "x" }), /has no "access" string/],
  ];
  for (const [response, message] of cases) {
    const error = await answering(response).token().catch((e) => e);
    assert(error instanceof TokenResponseError, String(error));
    assert.match(error.message, message);
  }
});

Deno.test("jsonLogin(): field names with dots, expires_in, token type and a refresh body field", async () => {
  let refreshBody: unknown;
  const grant = jsonLogin({
    loginUrl: "https://api.example.com/login",
    refreshUrl: "https://api.example.com/refresh",
    credentials: () => ({ email: "c@example.com", password: "pw" }),
    accessField: "data.token",
    refreshField: "data.refresh_token",
    refreshRequestField: "refresh_token",
    expiresInField: "data.expires_in",
    tokenType: "Token",
    now: () => 1_000_000,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      if (request.url.endsWith("/refresh")) refreshBody = await request.json();
      return Response.json({ data: { token: "opaque", refresh_token: "r1", expires_in: 60 } });
    },
  });
  const token = await grant.token();
  assert.deepEqual(
    [token.accessToken, token.refreshToken, token.expiresAt, token.tokenType],
    ["opaque", "r1", 1_060_000, "Token"],
  );
  await grant.refresh!(token);
  assert.deepEqual(refreshBody, { refresh_token: "r1" });
});

Deno.test("jsonLogin() refuses plain http: to other hosts up front", () => {
  assert.throws(
    () => jsonLogin({ loginUrl: "http://api.example.com/login", credentials: {} }),
    TypeError,
  );
});
