import assert from "node:assert/strict";
import { passwordBasic } from "../../examples/password_basic.ts";
import { startTokenServer } from "../peers/token_server.ts";
import { djangoMissing, startDjango } from "../peers/django_server.ts";
import { OAuthError } from "../../mod.ts";

Deno.test("examples/password_basic.ts logs in with Basic client auth and a form body, then renews by refresh token", async () => {
  const seen: { authorization: string | null; type: string | null; form: URLSearchParams }[] = [];
  const server = startTokenServer({
    expiresIn: 24 * 3600,
    clientId: "app",
    clientSecret: "app-secret",
    tokenHook: async (request) => {
      seen.push({
        authorization: request.headers.get("authorization"),
        type: request.headers.get("content-type"),
        form: new URLSearchParams(await request.text()),
      });
      return undefined;
    },
  });
  try {
    const lines: string[] = [];
    const before = Date.now();
    const { first, renewed } = await passwordBasic({
      tokenUrl: server.tokenUrl,
      clientId: "app",
      clientSecret: "app-secret",
      username: "alice",
      password: "pw",
      apiUrl: `${server.origin}/api/me`,
    }, (line) => lines.push(line));

    assert.deepEqual(server.stats.grants, { password: 1, refresh_token: 1 });
    assert.equal(server.stats.api401, 0);
    for (const { authorization, type, form } of seen) {
      assert.equal(authorization, `Basic ${btoa("app:app-secret")}`);
      assert.match(type!, /^application\/x-www-form-urlencoded/);
      assert.equal(form.get("client_secret"), null, "the secret is not in the body");
    }
    assert.equal(seen[0].form.get("grant_type"), "password");
    assert.equal(seen[0].form.get("username"), "alice");
    assert.equal(seen[1].form.get("grant_type"), "refresh_token");
    assert.equal(seen[1].form.get("refresh_token"), first.refreshToken);
    assert.equal(seen[1].form.get("password"), null);
    assert.notEqual(renewed.accessToken, first.accessToken);

    // Valid 24 h; the next refresh is printed: 5 minutes before expiry.
    assert.ok(Math.abs(first.expiresAt! - before - 24 * 3600_000) < 5_000);
    const printed = lines.filter((l) => l.startsWith("new token; next refresh at "));
    assert.equal(printed.length, 2);
    const next = Date.parse(printed[1].slice("new token; next refresh at ".length));
    assert.equal(next, renewed.expiresAt! - 5 * 60_000);
    assert.deepEqual(lines.filter((l) => l.startsWith("API")), ["API: 200", "API: 200"]);
    assert.ok(!lines.join("\n").includes("app-secret"));
  } finally {
    await server.close();
  }
});

Deno.test("examples/password_basic.ts logs in and renews against a real Django OAuth Toolkit (Debian)", async (t) => {
  const missing = await djangoMissing();
  if (missing !== undefined) {
    console.warn(`Django tests skipped: ${missing}`);
    await t.step({ name: `skipped: ${missing}`, ignore: true, fn: () => {} });
    return;
  }
  // A secret with characters that RFC 6749 §2.3.1 form-encodes in Basic credentials; DOT decodes them.
  const secret = "s3cr+t/=:x%y";
  const django = await startDjango({
    users: { alice: "wonderland" },
    client: { id: "app", secret },
  });
  try {
    const lines: string[] = [];
    const before = Date.now();
    const config = {
      tokenUrl: `${django.origin}/o/token/`,
      clientId: "app",
      clientSecret: secret,
      username: "alice",
      password: "wonderland",
      apiUrl: `${django.origin}/o/api/me`,
    };
    const { first, renewed } = await passwordBasic(config, (line) => lines.push(line));
    // DOT issues 24 h tokens (ACCESS_TOKEN_EXPIRE_SECONDS 86400) and rotates the refresh token.
    assert.ok(Math.abs(first.expiresAt! - before - 24 * 3600_000) < 5_000);
    assert.notEqual(renewed.accessToken, first.accessToken);
    assert.ok(renewed.refreshToken !== undefined && renewed.refreshToken !== first.refreshToken);
    assert.deepEqual(lines.filter((l) => l.startsWith("API")), ["API: 200", "API: 200"]);
    const printed = lines.filter((l) => l.startsWith("new token; next refresh at "));
    assert.equal(printed.length, 2);
    assert.equal(
      Date.parse(printed[1].slice("new token; next refresh at ".length)),
      renewed.expiresAt! - 5 * 60_000,
    );
    assert.ok(!lines.join("\n").includes(secret));

    // DOT refuses a wrong client secret with invalid_client; the error carries no secret.
    const refused = await passwordBasic({ ...config, clientSecret: "wrong-secret" }, () => {})
      .catch((error) => error);
    assert.ok(refused instanceof OAuthError, String(refused));
    assert.equal(refused.error, "invalid_client");
    assert.ok(!refused.message.includes("wrong-secret"));
  } finally {
    await django.close();
  }
});

Deno.test("examples/password_basic.ts runs as a program against a real Django OAuth Toolkit (AUTHFETCH_TOKEN_URL)", async (t) => {
  const missing = await djangoMissing();
  if (missing !== undefined) {
    await t.step({ name: `skipped: ${missing}`, ignore: true, fn: () => {} });
    return;
  }
  const django = await startDjango({
    users: { carol: "carol-pw" },
    client: { id: "cli-app", secret: "cli-secret" },
  });
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../../examples/password_basic.ts", import.meta.url).pathname],
      env: {
        NO_COLOR: "1",
        AUTHFETCH_TOKEN_URL: `${django.origin}/o/token/`,
        AUTHFETCH_CLIENT_ID: "cli-app",
        AUTHFETCH_CLIENT_SECRET: "cli-secret",
        AUTHFETCH_USERNAME: "carol",
        AUTHFETCH_PASSWORD: "carol-pw",
        AUTHFETCH_API_URL: `${django.origin}/o/api/me`,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.deepEqual(out.match(/^API: \d+$/gm), ["API: 200", "API: 200"]);
    assert.ok(!out.includes("cli-secret") && !out.includes("carol-pw"));
  } finally {
    await django.close();
  }
});
