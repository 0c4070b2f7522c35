/**
 * `authfetch token` (and `fetch`) with every non-interactive grant other than client credentials:
 * password, refresh_token, existing_token, jwt_bearer, token_exchange and json_login. Each profile lives
 * in a temporary config file and its secrets come from the documented `AUTHFETCH_*` variables; the CLI
 * runs in-process through `run()` (one subprocess run checks the real process environment).
 */

import assert from "node:assert/strict";
import {
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { startTokenServer } from "../peers/token_server.ts";
import { startSimpleJwtServer } from "../peers/simplejwt_server.ts";
import { FileStore } from "../../src/stores/file.ts";
import { paths, type Profile, storeKey } from "../../src/cli/config.ts";
import { EXIT } from "../../src/cli/main.ts";
import { cli, type CliHome, cliHome, type CliResult, runIn } from "./_cli.ts";

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

/** Fails when any output contains any of the secrets. */
function assertNoSecrets(results: CliResult[], secrets: string[]): void {
  for (const secret of secrets) {
    assert.ok(secret.length >= 8, `secret "${secret.slice(0, 3)}…" is too short to look for`);
    for (const [i, r] of results.entries()) {
      assert.ok(!r.stdout.includes(secret), `run ${i} printed a secret on stdout`);
      assert.ok(!r.stderr.includes(secret), `run ${i} printed a secret on stderr`);
    }
  }
}

/** Exit code 3, one line on stderr, nothing on stdout. */
function assertAuthFailure(r: CliResult): void {
  assert.equal(r.code, EXIT.auth, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(r.stderr, /^authfetch: authentication failed: /);
  assert.equal(r.stdout, "");
}

/**
 * Runs `token` then `token --json`: the first prints the token on one line and nothing on stderr, the
 * second prints the same token as JSON. Returns both runs and the token.
 */
async function tokenTwice(
  env: Record<string, string>,
  args: string[] = [],
): Promise<
  { plain: CliResult; json: CliResult; accessToken: string; parsed: Record<string, unknown> }
> {
  const plain = await runIn(["token", ...args], env);
  assert.equal(plain.code, EXIT.ok, plain.stderr);
  assert.equal(plain.stderr, "");
  assert.match(plain.stdout, /^\S+\n$/);
  const accessToken = plain.stdout.trim();
  const json = await runIn(["token", "--json", ...args], env);
  assert.equal(json.code, EXIT.ok, json.stderr);
  assert.equal(json.stderr, "");
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.access_token, accessToken, "the stored token is reused");
  assert.ok(!("refresh_token" in parsed), "--json never prints the refresh token");
  return { plain, json, accessToken, parsed };
}

/** The store and key the CLI keeps a profile's tokens under. */
async function storedToken(home: CliHome, name: string, profile: Profile) {
  const where = paths({ env: (k: string) => home.env[k] } as never);
  const key = await storeKey({ name, profile, paths: where, saved: true });
  return { store: new FileStore({ directory: where.tokens }), key };
}

/** Makes the stored token of a profile expire, so the next `token` must renew it. */
async function expireStored(home: CliHome, name: string, profile: Profile) {
  const { store, key } = await storedToken(home, name, profile);
  const stored = await store.get(key);
  assert.ok(stored, "a token is stored");
  await store.set(key, { ...stored, expiresAt: Date.now() - 1000 });
  return stored;
}

/** A token endpoint that records every form and answers through `answer`. */
function startTokenEndpoint(
  answer: (form: URLSearchParams, request: Request) => Promise<Response> | Response,
) {
  const forms: URLSearchParams[] = [];
  const headers: Headers[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const form = new URLSearchParams(await request.text());
    forms.push(form);
    headers.push(request.headers);
    return await answer(form, request);
  });
  return {
    tokenUrl: `http://127.0.0.1:${server.addr.port}/token`,
    forms,
    headers,
    close: () => server.shutdown(),
  };
}

/** A client-credentials token straight from the token server, to start other grants from. */
async function issued(tokenUrl: string): Promise<{ access_token: string; refresh_token: string }> {
  const response = await fetch(tokenUrl, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "client",
      client_secret: CLIENT_SECRET,
    }),
  });
  assert.equal(response.status, 200);
  return await response.json();
}

const CLIENT_SECRET = "client-secret-for-the-cli-tests";

Deno.test("authfetch token with the password grant: stored, reused, renewed without the password, wrong password exits 3", async () => {
  await using home = await cliHome();
  const server = startTokenServer({ clientSecret: CLIENT_SECRET });
  try {
    const profile: Profile = {
      grant: "password",
      tokenUrl: server.tokenUrl,
      clientId: "client",
      clientAuth: "client_secret_post",
      username: "alice",
    };
    await home.writeConfig({ profiles: { default: profile } });
    // The token server accepts only the password "pw"; the exact-output checks below cover it.
    const env = { ...home.env, AUTHFETCH_PASSWORD: "pw", AUTHFETCH_CLIENT_SECRET: CLIENT_SECRET };
    const { plain, json, accessToken, parsed } = await tokenTwice(env);
    assert.match(accessToken, /^at-1-/);
    assert.deepEqual(server.stats.grants, { password: 1 }, "one token request for two runs");
    assert.equal(parsed.has_refresh_token, true);
    assert.equal(parsed.token_type, "bearer");
    assert.deepEqual(Object.keys(parsed).sort(), [
      "access_token",
      "expires_at",
      "expires_in",
      "has_refresh_token",
      "token_type",
    ]);

    // Renewal uses the stored refresh token: no password needed (none is set, and no prompt exists).
    const stored = await expireStored(home, "default", profile);
    const renewed = await runIn(["token"], { ...home.env, AUTHFETCH_CLIENT_SECRET: CLIENT_SECRET });
    assert.equal(renewed.code, EXIT.ok, renewed.stderr);
    assert.match(renewed.stdout, /^at-2-\S+\n$/);
    assert.deepEqual(server.stats.grants, { password: 1, refresh_token: 1 });

    // The parameters sent, seen by a recording endpoint (another user, so nothing stored is reused).
    const spy = startTokenEndpoint(() =>
      Response.json({ access_token: "spy-access-token", token_type: "Bearer", expires_in: 60 })
    );
    try {
      const first = await runIn(["token", "--token-url", spy.tokenUrl, "--username", "bob"], {
        ...env,
        AUTHFETCH_PASSWORD: "bobs-long-password",
      });
      assert.deepEqual(first, { code: EXIT.ok, stdout: "spy-access-token\n", stderr: "" });
      assert.equal(spy.forms.length, 1);
      assert.deepEqual(Object.fromEntries(spy.forms[0]), {
        grant_type: "password",
        username: "bob",
        password: "bobs-long-password",
        client_id: "client",
        client_secret: CLIENT_SECRET,
      });
    } finally {
      await spy.close();
    }

    const bad = await runIn(["token", "--username", "carol"], {
      ...env,
      AUTHFETCH_PASSWORD: "wrong-password-123",
    });
    assertAuthFailure(bad);
    assert.match(bad.stderr, /invalid_grant/);
    assertNoSecrets([plain, json, renewed, bad], [
      CLIENT_SECRET,
      "wrong-password-123",
      stored.refreshToken!,
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("authfetch token with the refresh_token grant: exchanges AUTHFETCH_REFRESH_TOKEN once, a used one exits 3", async () => {
  await using home = await cliHome();
  const server = startTokenServer({ clientSecret: CLIENT_SECRET });
  try {
    const start = await issued(server.tokenUrl);
    const profile: Profile = {
      grant: "refresh_token",
      tokenUrl: server.tokenUrl,
      clientId: "client",
    };
    await home.writeConfig({ profiles: { rt: profile } });
    const env = {
      ...home.env,
      AUTHFETCH_PROFILE: "rt",
      AUTHFETCH_REFRESH_TOKEN: start.refresh_token,
      AUTHFETCH_CLIENT_SECRET: CLIENT_SECRET,
    };
    const { plain, json, accessToken, parsed } = await tokenTwice(env);
    assert.match(accessToken, /^at-2-/, "a new token, not the one the refresh token came with");
    assert.deepEqual(server.stats.grants, { client_credentials: 1, refresh_token: 1 });
    assert.equal(parsed.has_refresh_token, true);

    // The server rotated the refresh token: the CLI renews with the stored, rotated one.
    const stored = await expireStored(home, "rt", profile);
    assert.notEqual(stored.refreshToken, start.refresh_token);
    const renewed = await runIn(["token"], env);
    assert.equal(renewed.code, EXIT.ok, renewed.stderr);
    assert.match(renewed.stdout, /^at-3-/);
    assert.equal(server.stats.invalidGrant, 0, "the used refresh token was not sent again");

    // A fresh profile (other scope) with the already used refresh token: rejected.
    const bad = await runIn(["token", "--scope", "other"], env);
    assertAuthFailure(bad);
    assert.match(bad.stderr, /invalid_grant/);
    assertNoSecrets([plain, json, renewed, bad], [
      CLIENT_SECRET,
      start.refresh_token,
      stored.refreshToken!,
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("authfetch token and fetch with existing_token: the given token is used without a token request", async () => {
  await using home = await cliHome();
  const server = startTokenServer({ clientSecret: CLIENT_SECRET });
  try {
    const start = await issued(server.tokenUrl);
    const before = server.stats.tokenRequests;
    // No endpoint at all: AUTHFETCH_ACCESS_TOKEN alone is enough (the grant is guessed from it).
    await home.writeConfig({ profiles: {} });
    const env = { ...home.env, AUTHFETCH_ACCESS_TOKEN: start.access_token };
    const { plain, json, accessToken, parsed } = await tokenTwice(env);
    assert.equal(accessToken, start.access_token);
    assert.equal(parsed.token_type, "Bearer");
    assert.equal(parsed.has_refresh_token, false);

    const fetched = await runIn(["fetch", `${server.origin}/api/me`], env);
    assert.equal(fetched.code, EXIT.ok, fetched.stderr);
    assert.deepEqual(JSON.parse(fetched.stdout), { ok: true, subject: "client", path: "/api/me" });
    assert.equal(fetched.stderr, "");
    assert.equal(server.stats.tokenRequests, before, "no token request");

    // With a refresh token and a token URL: used as given, renewed with the refresh token once expired.
    const profile: Profile = {
      grant: "existing_token",
      tokenUrl: server.tokenUrl,
      clientId: "client",
    };
    await home.writeConfig({ profiles: { ex: profile } });
    const renewEnv = {
      ...env,
      AUTHFETCH_PROFILE: "ex",
      AUTHFETCH_REFRESH_TOKEN: start.refresh_token,
      AUTHFETCH_CLIENT_SECRET: CLIENT_SECRET,
    };
    const given = await tokenTwice(renewEnv);
    assert.equal(given.accessToken, start.access_token);
    assert.equal(given.parsed.has_refresh_token, true);
    assert.equal(server.stats.tokenRequests, before);
    await expireStored(home, "ex", profile);
    const renewed = await runIn(["token"], renewEnv);
    assert.equal(renewed.code, EXIT.ok, renewed.stderr);
    assert.match(renewed.stdout, /^at-2-/);
    assert.deepEqual(server.stats.grants, { client_credentials: 1, refresh_token: 1 });

    // An expired JWT with a refresh token the server does not know: exit 3.
    const expired = await new SignJWT({}).setProtectedHeader({ alg: "HS256" })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new Uint8Array(32));
    const bad = await runIn(["token", "--scope", "other"], {
      ...renewEnv,
      AUTHFETCH_ACCESS_TOKEN: expired,
      AUTHFETCH_REFRESH_TOKEN: "unknown-refresh-token-123",
    });
    assertAuthFailure(bad);
    assertNoSecrets([fetched, given.plain, given.json, renewed, bad], [
      CLIENT_SECRET,
      start.refresh_token,
      "unknown-refresh-token-123",
      expired,
    ]);
    assertNoSecrets([fetched, bad], [start.access_token]);
    assert.ok(plain.stdout.includes(start.access_token) && json.stdout.includes(accessToken));
  } finally {
    await server.close();
  }
});

/** A service account key pair and a token endpoint that verifies jwt-bearer assertions with it. */
async function jwtBearerStandIn(issuer: string) {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), alg: "ES256", kid: "sa-1" };
  const key = await importJWK({ ...(await exportJWK(publicKey)), alg: "ES256" } as JWK, "ES256");
  const claims: Record<string, unknown>[] = [];
  const endpoint = startTokenEndpoint(async (form, request) => {
    if (form.get("grant_type") !== JWT_BEARER) {
      return Response.json({ error: "unsupported_grant_type" }, { status: 400 });
    }
    try {
      const { payload } = await jwtVerify(form.get("assertion") ?? "", key, {
        issuer,
        audience: request.url,
        maxTokenAge: "1h",
      });
      claims.push(payload);
      return Response.json({
        access_token: `jwt-at-${claims.length}-${crypto.randomUUID()}`,
        token_type: "Bearer",
        expires_in: 3600,
      });
    } catch {
      return Response.json({ error: "invalid_grant", error_description: "bad assertion" }, {
        status: 400,
      });
    }
  });
  return { ...endpoint, privateKey, privateJwk, claims };
}

Deno.test("authfetch token with jwt_bearer: signs with AUTHFETCH_PRIVATE_KEY or sends AUTHFETCH_ASSERTION; a foreign key exits 3", async () => {
  await using home = await cliHome();
  const issuer = "robot@project.example";
  const peer = await jwtBearerStandIn(issuer);
  try {
    const profile: Profile = {
      grant: "jwt_bearer",
      tokenUrl: peer.tokenUrl,
      assertionIssuer: issuer,
      assertionSubject: "alice@example.com",
      scope: "api:read",
    };
    await home.writeConfig({ profiles: { sa: profile } });
    const keyText = JSON.stringify(peer.privateJwk);
    const env = { ...home.env, AUTHFETCH_PROFILE: "sa", AUTHFETCH_PRIVATE_KEY: keyText };
    const signed = await tokenTwice(env);
    assert.match(signed.accessToken, /^jwt-at-1-/);
    assert.equal(peer.forms.length, 1, "one token request for two runs");
    assert.equal(peer.forms[0].get("grant_type"), JWT_BEARER);
    assert.equal(peer.forms[0].get("scope"), "api:read");
    assert.equal(peer.claims[0].iss, issuer);
    assert.equal(peer.claims[0].sub, "alice@example.com");
    assert.equal(peer.claims[0].aud, peer.tokenUrl);
    const sentAssertion = peer.forms[0].get("assertion")!;

    // A ready-made assertion, sent as it is (another profile so nothing stored is reused).
    const assertion = await new SignJWT({}).setProtectedHeader({ alg: "ES256" })
      .setIssuer(issuer).setSubject("bob@example.com").setAudience(peer.tokenUrl)
      .setIssuedAt().setExpirationTime("10m").sign(peer.privateKey);
    await home.writeConfig({
      profiles: { sa: profile, ready: { grant: "jwt_bearer", tokenUrl: peer.tokenUrl } },
    });
    const readyEnv = { ...home.env, AUTHFETCH_PROFILE: "ready", AUTHFETCH_ASSERTION: assertion };
    const ready = await tokenTwice(readyEnv);
    assert.match(ready.accessToken, /^jwt-at-2-/);
    assert.equal(peer.forms.length, 2);
    assert.equal(peer.forms[1].get("assertion"), assertion);
    assert.equal(peer.claims[1].sub, "bob@example.com");

    // Signed by a key the server does not know.
    const other = await generateKeyPair("ES256", { extractable: true });
    const foreign = JSON.stringify({ ...(await exportJWK(other.privateKey)), alg: "ES256" });
    const bad = await runIn(["token", "--scope", "api:write"], {
      ...env,
      AUTHFETCH_PRIVATE_KEY: foreign,
    });
    assertAuthFailure(bad);
    assert.match(bad.stderr, /invalid_grant/);
    assertNoSecrets([signed.plain, signed.json, ready.plain, ready.json, bad], [
      sentAssertion,
      assertion,
      peer.privateJwk.d!,
      JSON.parse(foreign).d,
    ]);
  } finally {
    await peer.close();
  }
});

Deno.test("authfetch token with token_exchange: sends the subject and actor tokens with client auth; a rejected subject exits 3", async () => {
  await using home = await cliHome();
  const subjectToken = `subject-${crypto.randomUUID()}`;
  const actorToken = `actor-${crypto.randomUUID()}`;
  let serial = 0;
  const peer = startTokenEndpoint((form, request) => {
    if (request.headers.get("authorization") !== `Basic ${btoa(`gateway:${CLIENT_SECRET}`)}`) {
      return Response.json({ error: "invalid_client" }, { status: 401 });
    }
    if (form.get("grant_type") !== TOKEN_EXCHANGE) {
      return Response.json({ error: "unsupported_grant_type" }, { status: 400 });
    }
    if (form.get("subject_token") !== subjectToken) {
      return Response.json(
        { error: "invalid_grant", error_description: "subject token rejected" },
        {
          status: 400,
        },
      );
    }
    return Response.json({
      access_token: `exchanged-${++serial}-${crypto.randomUUID()}`,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: "Bearer",
      expires_in: 600,
    });
  });
  try {
    const profile: Profile = {
      grant: "token_exchange",
      tokenUrl: peer.tokenUrl,
      clientId: "gateway",
      clientAuth: "client_secret_basic",
      audience: "https://orders.example",
    };
    await home.writeConfig({ defaultProfile: "tx", profiles: { tx: profile } });
    const env = {
      ...home.env,
      AUTHFETCH_CLIENT_SECRET: CLIENT_SECRET,
      AUTHFETCH_SUBJECT_TOKEN: subjectToken,
      AUTHFETCH_ACTOR_TOKEN: actorToken,
    };
    const { plain, json, accessToken, parsed } = await tokenTwice(env);
    assert.match(accessToken, /^exchanged-1-/);
    assert.equal(parsed.issued_token_type, ACCESS_TOKEN_TYPE);
    assert.equal(parsed.has_refresh_token, false);
    assert.equal(peer.forms.length, 1, "one token request for two runs");
    assert.deepEqual(Object.fromEntries(peer.forms[0]), {
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      actor_token: actorToken,
      actor_token_type: ACCESS_TOKEN_TYPE,
      audience: "https://orders.example",
    });

    const bad = await runIn(["token", "--audience", "https://other.example"], {
      ...env,
      AUTHFETCH_SUBJECT_TOKEN: "not-the-subject-token-123",
    });
    assertAuthFailure(bad);
    assert.match(bad.stderr, /invalid_grant/);
    assertNoSecrets([plain, json, bad], [
      CLIENT_SECRET,
      subjectToken,
      actorToken,
      "not-the-subject-token-123",
    ]);
  } finally {
    await peer.close();
  }
});

Deno.test("authfetch token and fetch with json_login against a SimpleJWT stand-in; refresh without the password; wrong password exits 3", async () => {
  await using home = await cliHome();
  const server = startSimpleJwtServer({ users: { alice: "wonderland-password" } });
  try {
    const profile: Profile = {
      grant: "json_login",
      loginUrl: server.loginUrl,
      refreshUrl: server.refreshUrl,
      username: "alice",
    };
    await home.writeConfig({ profiles: { django: profile } });
    const env = {
      ...home.env,
      AUTHFETCH_PROFILE: "django",
      AUTHFETCH_PASSWORD: "wonderland-password",
    };
    const { plain, json, accessToken, parsed } = await tokenTwice(env);
    assert.equal(decodeJwt(accessToken).user_id, "alice");
    assert.equal(decodeJwt(accessToken).token_type, "access");
    assert.equal(parsed.has_refresh_token, true);
    assert.deepEqual([server.counters.logins, server.counters.failedLogins], [1, 0]);

    const me = await runIn(["fetch", server.meUrl], env);
    assert.equal(me.code, EXIT.ok, me.stderr);
    assert.deepEqual(JSON.parse(me.stdout), { username: "alice" });
    assert.equal(server.counters.logins, 1, "fetch reuses the stored token");

    const stored = await expireStored(home, "django", profile);
    const renewed = await runIn(["token"], { ...home.env, AUTHFETCH_PROFILE: "django" });
    assert.equal(renewed.code, EXIT.ok, renewed.stderr);
    assert.notEqual(renewed.stdout.trim(), accessToken);
    assert.deepEqual([server.counters.logins, server.counters.refreshes], [1, 1]);

    const bad = await runIn(["token", "--username", "mallory"], {
      ...env,
      AUTHFETCH_PASSWORD: "wrong-password-123",
    });
    assertAuthFailure(bad);
    assert.equal(server.counters.failedLogins, 1);
    assertNoSecrets([plain, json, me, renewed, bad], [
      "wonderland-password",
      "wrong-password-123",
      stored.refreshToken!,
    ]);
    assertNoSecrets([me, bad], [accessToken]);
  } finally {
    await server.close();
  }
});

Deno.test("authfetch token as a subprocess reads the password grant's secrets from the process environment", async () => {
  await using home = await cliHome();
  const server = startTokenServer({ clientSecret: CLIENT_SECRET });
  try {
    await home.writeConfig({
      profiles: {
        default: {
          grant: "password",
          tokenUrl: server.tokenUrl,
          clientId: "client",
          username: "alice",
        },
      },
    });
    const r = await cli(["token"], {
      ...home.env,
      AUTHFETCH_PASSWORD: "pw",
      AUTHFETCH_CLIENT_SECRET: CLIENT_SECRET,
    });
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(r.stdout, /^at-1-\S+\n$/);
    assert.equal(r.stderr, "");
    assert.deepEqual(server.stats.grants, { password: 1 });
  } finally {
    await server.close();
  }
});
