/**
 * The CLI as a subprocess (`deno run -A src/cli/main.ts …`) against a real OpenID Provider
 * (`npm:oidc-provider`) and local stand-ins.
 */

import assert from "node:assert/strict";
import {
  CC_CLIENT_ID,
  CC_CLIENT_SECRET,
  DEVICE_CLIENT_ID,
  NATIVE_CLIENT_ID,
  startOidcProvider,
  tokenUrl,
} from "../peers/oidc_provider.ts";
import { approveDeviceCode, completeAuthorization } from "../peers/oidc_interactions.ts";
import { FileStore } from "../../src/stores/file.ts";
import { paths, storeKey } from "../../src/cli/config.ts";
import { cli, cliHome, type CliResult, LiveCli } from "./_cli.ts";

/** Fails when any output contains any of the secrets. */
function assertNoSecrets(results: CliResult[], secrets: string[]): void {
  for (const secret of secrets.filter((s) => s.length >= 8)) {
    for (const [i, r] of results.entries()) {
      assert.ok(!r.stdout.includes(secret), `run ${i} printed a secret on stdout`);
      assert.ok(!r.stderr.includes(secret), `run ${i} printed a secret on stderr`);
    }
  }
}

/** One line on stderr, no stack trace. */
function assertOneLine(r: CliResult): void {
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.ok(!/\n\s+at /.test(r.stderr));
}

async function storedToken(
  home: { config: string; env: Record<string, string> },
  name: string,
  profile: object,
) {
  const where = paths({ env: (k: string) => home.env[k] } as never);
  const key = await storeKey({ name, profile, paths: where, saved: true });
  return { store: new FileStore({ directory: where.tokens }), key };
}

Deno.test("authfetch token prints a client-credentials token from oidc-provider, and reuses it", async () => {
  await using home = await cliHome();
  const peer = await startOidcProvider();
  try {
    const env = { ...home.env, AUTHFETCH_CLIENT_SECRET: CC_CLIENT_SECRET };
    const flags = [
      "--token-url",
      tokenUrl(peer),
      "--client-id",
      CC_CLIENT_ID,
      "--grant",
      "client_credentials",
    ];
    const first = await cli(["token", ...flags, "--scope", "api:read"], env);
    assert.equal(first.code, 0, first.stderr);
    const accessToken = first.stdout.trim();
    assert.match(accessToken, /^[A-Za-z0-9_-]{20,}$/);
    assert.equal(first.stderr, "");

    const json = await cli(["token", ...flags, "--scope", "api:read", "--json"], env);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.access_token, accessToken, "the stored token is reused");
    assert.equal(parsed.token_type, "Bearer");
    assert.equal(parsed.scope, "api:read");
    assert.ok(parsed.expires_in > 3500 && parsed.expires_in <= 3600);
    assert.ok(!Number.isNaN(Date.parse(parsed.expires_at)));

    const bad = await cli(["token", ...flags], {
      ...env,
      AUTHFETCH_CLIENT_SECRET: "wrong-secret-value-123",
    });
    assert.equal(bad.code, 3);
    assertOneLine(bad);
    assert.match(bad.stderr, /invalid_client/);
    assertNoSecrets([first, bad], [CC_CLIENT_SECRET, "wrong-secret-value-123"]);
  } finally {
    await peer.close();
  }
});

Deno.test("authfetch login with the device flow, approved in the provider's pages, then token refreshes without a prompt", async () => {
  await using home = await cliHome();
  const peer = await startOidcProvider();
  try {
    const profile = {
      grant: "device_code",
      issuer: peer.issuer,
      clientId: DEVICE_CLIENT_ID,
      scope: "openid offline_access",
    };
    await home.writeConfig({ defaultProfile: "dev", profiles: { dev: profile } });
    const login = new LiveCli(["login", "--poll-interval", "0.1"], home.env);
    let result: CliResult;
    try {
      const [, uri, code] = await login.waitFor(/open (\S+) and enter the code: (\S+)/);
      await approveDeviceCode(uri, code);
      result = await login.result();
    } catch (error) {
      await login.kill();
      throw error;
    }
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Logged in with profile "dev".*refresh token stored/);
    assert.equal(result.stdout, "");

    // Make the stored access token expire: `token` must refresh it with the stored refresh token.
    const { store, key } = await storedToken(home, "dev", profile);
    const stored = (await store.get(key))!;
    assert.ok(stored.refreshToken);
    await store.set(key, { ...stored, expiresAt: Date.now() - 1000 });

    const token = await cli(["token", "--json"], home.env); // stdin is /dev/null: no prompt possible
    assert.equal(token.code, 0, token.stderr);
    const parsed = JSON.parse(token.stdout);
    assert.notEqual(parsed.access_token, stored.accessToken);
    assert.equal(parsed.has_refresh_token, true);
    assert.ok(!("refresh_token" in parsed));
    assert.equal(token.stderr, "");
    const renewed = (await store.get(key))!;
    assert.equal(renewed.accessToken, parsed.access_token, "the refreshed token is stored");

    const logout = await cli(["logout"], home.env);
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(logout.stderr, /Revoked/);
    assert.equal(await store.get(key), undefined);
    const after = await cli(["token"], home.env);
    assert.equal(after.code, 3);
    assert.match(after.stderr, /run authfetch login/);
    assertOneLine(after);
    assertNoSecrets([result, token, logout, after], [
      stored.refreshToken!,
      stored.accessToken,
      renewed.refreshToken!,
    ]);
  } finally {
    await peer.close();
  }
});

Deno.test("authfetch login --loopback receives the code on its loopback port and stores the tokens", async () => {
  await using home = await cliHome();
  const peer = await startOidcProvider();
  try {
    const flags = ["--issuer", peer.issuer, "--client-id", NATIVE_CLIENT_ID, "--scope", "openid"];
    const login = new LiveCli(
      ["login", "--loopback", "--grant", "authorization_code", ...flags],
      home.env,
    );
    let result: CliResult;
    let page: string;
    try {
      const [, url] = await login.waitFor(/open this URL in your browser:\n(\S+)\n/);
      assert.equal(new URL(url).searchParams.get("code_challenge_method"), "S256");
      const callback = await completeAuthorization(url, { login: "carol" });
      assert.match(callback.href, /^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/);
      const response = await fetch(callback);
      page = await response.text();
      assert.equal(response.status, 200);
      result = await login.result();
    } catch (error) {
      await login.kill();
      throw error;
    }
    assert.match(page, /You can close this tab/);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Logged in with profile "default" as carol/);

    const token = await cli(
      ["token", "--grant", "authorization_code", ...flags, "--json"],
      home.env,
    );
    assert.equal(token.code, 0, token.stderr);
    const parsed = JSON.parse(token.stdout);
    assert.equal(parsed.has_refresh_token, true);
    assert.ok(parsed.id_token);
    assertNoSecrets([result], [parsed.access_token, parsed.id_token]);
  } finally {
    await peer.close();
  }
});

Deno.test("authfetch fetch refreshes once on a 401, replays the request and prints the body", async () => {
  await using home = await cliHome();
  const peer = await startOidcProvider();
  const seen: { authorization: string | null; body: string; method: string }[] = [];
  const api = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      seen.push({
        authorization: request.headers.get("authorization"),
        body: await request.text(),
        method: request.method,
      });
      if (new URL(request.url).pathname === "/always-401") {
        return new Response("no", {
          status: 401,
        });
      }
      if (seen.length === 1) {
        return new Response("expired", {
          status: 401,
          headers: { "www-authenticate": 'Bearer error="invalid_token"' },
        });
      }
      return new Response(`hello ${seen.length}`, { headers: { "x-test": "yes" } });
    },
  );
  try {
    const env = { ...home.env, AUTHFETCH_CLIENT_SECRET: CC_CLIENT_SECRET };
    const flags = [
      "--token-url",
      tokenUrl(peer),
      "--client-id",
      CC_CLIENT_ID,
      "--grant",
      "client_credentials",
    ];
    const base = `http://127.0.0.1:${api.addr.port}`;
    const result = await cli([
      "fetch",
      `${base}/items`,
      ...flags,
      "-X",
      "PUT",
      "-d",
      '{"a":1}',
      "-i",
      "-v",
    ], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^HTTP 200 OK\r\n/);
    assert.match(result.stdout, /x-test: yes\r\n\r\nhello 2$/);
    assert.equal(seen.length, 2);
    assert.deepEqual(seen.map((s) => [s.method, s.body]), [["PUT", '{"a":1}'], ["PUT", '{"a":1}']]);
    assert.match(seen[0].authorization!, /^Bearer \S+$/);
    assert.match(seen[1].authorization!, /^Bearer \S+$/);
    assert.notEqual(seen[0].authorization, seen[1].authorization, "a new token after the 401");
    assert.match(result.stderr, /> PUT .*\/items/);
    assert.match(result.stderr, /> authorization: Bearer <redacted>/);
    assert.match(result.stderr, /< HTTP 401/);
    assert.match(result.stderr, /< HTTP 200 OK \(\d+ ms\)/);

    const denied = await cli(["fetch", `${base}/always-401`, ...flags], env);
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /HTTP 401/);
    const tokens = seen.map((s) => s.authorization!.slice("Bearer ".length));
    assertNoSecrets([result, denied], [CC_CLIENT_SECRET, ...tokens]);
  } finally {
    await api.shutdown();
    await peer.close();
  }
});

Deno.test("authfetch decode shows a JWT's header and claims with dates; usage errors exit 2 on one line", async () => {
  await using home = await cliHome();
  const b64 = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const jwt = `${b64({ alg: "RS256", kid: "k1" })}.${
    b64({ sub: "alice", exp, iss: "https://as.example" })
  }.c2ln`;
  const decoded = await cli(["decode", jwt], home.env);
  assert.equal(decoded.code, 0, decoded.stderr);
  assert.match(decoded.stdout, /kid: "k1"/);
  assert.match(decoded.stdout, /sub: "alice"/);
  assert.match(decoded.stdout, /exp: \d+ \(\d{4}-\d\d-\d\dT.*expires in (59m|1h)/);
  assert.match(decoded.stdout, /Signature: not checked/);
  const piped = await cli(["decode", "--json"], home.env, `${jwt}\n`);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(JSON.parse(piped.stdout).claims.sub, "alice");

  for (
    const args of [
      ["token", "--bogus"],
      ["nonsense"],
      ["fetch"],
      ["decode", "not-a-jwt"],
      ["token", "--grant", "magic"],
      ["login", "--device", "--loopback"],
    ]
  ) {
    const r = await cli(args, home.env);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assertOneLine(r);
    assert.match(r.stderr, /^authfetch: usage error: /);
    assert.equal(r.stdout, "");
  }
});
