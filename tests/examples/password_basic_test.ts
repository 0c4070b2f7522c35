import assert from "node:assert/strict";
import { passwordBasic } from "../../examples/password_basic.ts";
import { startTokenServer } from "../peers/token_server.ts";

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
