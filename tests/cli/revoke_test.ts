/**
 * `authfetch revoke` takes the revoked token out of the store, so `token` never prints it again:
 * against oidc-provider (a real RFC 7009 endpoint, checked with RFC 7662 introspection), and against a
 * raw server for the refresh-token cases.
 */

import assert from "node:assert/strict";
import { CC_CLIENT_ID, CC_CLIENT_SECRET, startOidcProvider } from "../peers/oidc_provider.ts";
import { FileStore } from "../../src/stores/file.ts";
import { paths, type Profile, storeKey } from "../../src/cli/config.ts";
import { cli, cliHome } from "./_cli.ts";
import { startRawServer } from "./_raw_http.ts";

Deno.test("authfetch revoke removes the revoked token from the store; token then gets a new one", async () => {
  await using home = await cliHome();
  const peer = await startOidcProvider();
  try {
    const env = { ...home.env, AUTHFETCH_CLIENT_SECRET: CC_CLIENT_SECRET };
    const flags = [
      "--issuer",
      peer.issuer,
      "--client-id",
      CC_CLIENT_ID,
      "--grant",
      "client_credentials",
    ];
    const first = (await cli(["token", ...flags], env)).stdout.trim();
    assert.equal((await cli(["token", ...flags], env)).stdout.trim(), first, "stored and reused");

    const revoked = await cli(["revoke", ...flags], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stderr, "Revoked. The stored token was removed.\n");
    const check = await cli(["introspect", "-", ...flags], env, first);
    assert.equal(JSON.parse(check.stdout).active, false, "the server revoked it");

    const second = await cli(["token", ...flags], env);
    assert.equal(second.code, 0, second.stderr);
    assert.notEqual(second.stdout.trim(), first, "token does not print the revoked token");

    // A token given on standard input that is the stored one leaves the store too.
    const piped = await cli(["revoke", "-", ...flags], env, second.stdout);
    assert.equal(piped.stderr, "Revoked. The stored token was removed.\n");
    const third = (await cli(["token", ...flags], env)).stdout.trim();
    assert.ok(third !== second.stdout.trim() && third !== first);
    // Another token on standard input leaves the stored one alone.
    const other = await cli(["revoke", "-", ...flags], env, first);
    assert.equal(other.stderr, "Revoked.\n");
    assert.equal((await cli(["token", ...flags], env)).stdout.trim(), third);
  } finally {
    await peer.close();
  }
});

Deno.test("authfetch revoke --access marks the stored access token expired and keeps the refresh token; revoke drops both", async () => {
  await using home = await cliHome();
  const server = startRawServer((request) => {
    if (request.target === "/revoke") return { status: 200 };
    const form = new URLSearchParams(request.text());
    return {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        access_token: `at-renewed-by-${form.get("grant_type")}`,
        token_type: "Bearer",
        expires_in: 3600,
        refresh_token: "rt-next-0123456789",
      }),
    };
  });
  try {
    const profile: Profile = {
      grant: "refresh_token",
      tokenUrl: `${server.origin}/token`,
      revocationUrl: `${server.origin}/revoke`,
      clientId: "app",
    };
    await home.writeConfig({ defaultProfile: "app", profiles: { app: profile } });
    const where = paths({ env: (k: string) => home.env[k] } as never);
    const store = new FileStore({ directory: where.tokens });
    const key = await storeKey({ name: "app", profile, paths: where, saved: true });
    await store.set(key, {
      accessToken: "at-stored-0123456789",
      tokenType: "Bearer",
      expiresAt: Date.now() + 3_600_000,
      refreshToken: "rt-stored-0123456789",
    });

    const access = await cli(["revoke", "--access"], home.env);
    assert.equal(access.code, 0, access.stderr);
    assert.match(
      access.stderr,
      /The stored access token is marked expired; the refresh token is kept/,
    );
    assert.equal(
      new URLSearchParams(server.requests[0].text()).get("token"),
      "at-stored-0123456789",
    );
    const kept = (await store.get(key))!;
    assert.ok(kept.expiresAt! <= Date.now());
    assert.equal(kept.refreshToken, "rt-stored-0123456789");

    const token = await cli(["token"], home.env);
    assert.equal(token.code, 0, token.stderr);
    assert.equal(
      token.stdout,
      "at-renewed-by-refresh_token\n",
      "renewed with the kept refresh token",
    );

    const all = await cli(["revoke"], home.env);
    assert.equal(all.stderr, "Revoked. The stored token was removed.\n");
    assert.equal(
      new URLSearchParams(server.requests.at(-1)!.text()).get("token"),
      "rt-next-0123456789",
    );
    assert.equal(await store.get(key), undefined);
  } finally {
    await server.close();
  }
});
