import assert from "node:assert/strict";
import { approve, startStub } from "../peers/mcp_auth_stub.ts";
import { cli, cliHome, LiveCli } from "./_cli.ts";

Deno.test("authfetch fetch URL with no profile discovers, registers, signs in through the loopback, stores and replays", async () => {
  const stub = await startStub({ needs: { "/mcp": ["read"] } });
  await using home = await cliHome();
  try {
    // SSH_CONNECTION: no browser is opened, the URL is printed; the test is the person.
    const env = { ...home.env, SSH_CONNECTION: "1" };
    const live = new LiveCli(["fetch", stub.resource], env);
    const [, url] = await live.waitFor(/open this URL in your browser:\n(\S+)/);
    const callback = await approve(new URL(url));
    assert.match(callback, /^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
    const page = await fetch(callback);
    assert.match(await page.text(), /received the sign-in/);
    const first = await live.result();
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), { ok: true, scope: "read" });
    assert.equal(stub.registrations.length, 1);
    assert.equal(stub.registrations[0].application_type, "native");
    assert.equal(stub.authorizations[0].get("resource"), stub.resource);

    // A second run uses the stored token: no registration, no sign-in.
    const second = await cli(["fetch", stub.resource], env);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), { ok: true, scope: "read" });
    assert.equal(stub.registrations.length, 1);
    assert.equal(stub.authorizations.length, 1);
  } finally {
    await stub.close();
  }
});
