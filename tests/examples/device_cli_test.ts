import assert from "node:assert/strict";
import { cliFetch } from "../../examples/device_cli.ts";
import { discover } from "../../mod.ts";
import { DEVICE_CLIENT_ID, startOidcProvider } from "../peers/oidc_provider.ts";
import { approveDeviceCode } from "../peers/oidc_interactions.ts";

Deno.test("examples/device_cli.ts logs in once, keeps the token in a 0600 file and refreshes before expiry", async () => {
  const peer = await startOidcProvider();
  const directory = await Deno.makeTempDir();
  let clock = Date.now();
  let prompts = 0;
  const config = {
    issuer: peer.issuer,
    clientId: DEVICE_CLIENT_ID,
    audience: "https://api.example",
    directory,
    interval: 50,
    now: () => clock,
    onPrompt: async (
      { verificationUri, userCode }: { verificationUri: string; userCode: string },
    ) => {
      prompts++;
      await approveDeviceCode(verificationUri, userCode, { login: "dora" });
    },
  };
  try {
    const userinfo = (await discover(peer.issuer)).userinfo_endpoint!;
    // First run: the device flow.
    const first = await cliFetch(config)(userinfo);
    assert.equal((await first.json()).sub, "dora");
    assert.equal(prompts, 1);
    const [file] = [...Deno.readDirSync(directory)].filter((e) => e.name.endsWith(".json"));
    const path = `${directory}/${file.name}`;
    if (Deno.build.os !== "windows") assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
    const stored = JSON.parse(Deno.readTextFileSync(path)).token;
    assert.equal(typeof stored.refreshToken, "string");
    assert.ok(stored.scope.split(" ").includes("offline_access"));

    // Next run of the CLI: the token comes from the file, no prompt.
    const again = await cliFetch(config)(userinfo);
    assert.equal((await again.json()).sub, "dora");
    assert.equal(prompts, 1);

    // Four minutes before expiry (inside the 5 minute window): the still-valid token is used and a
    // background refresh writes a new one to the file; still no prompt.
    clock = stored.expiresAt - 4 * 60_000;
    const later = await cliFetch(config)(userinfo);
    assert.equal(later.status, 200);
    await later.body?.cancel();
    let renewed = stored;
    for (let i = 0; i < 100 && renewed.accessToken === stored.accessToken; i++) {
      await new Promise((r) => setTimeout(r, 10));
      renewed = JSON.parse(Deno.readTextFileSync(path)).token;
    }
    assert.notEqual(renewed.accessToken, stored.accessToken);
    assert.ok(renewed.expiresAt > stored.expiresAt);
    assert.equal(prompts, 1);
  } finally {
    await peer.close();
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("examples/device_cli.ts uses a configured API key instead of logging in", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) =>
      Response.json({
        key: request.headers.get("x-api-key"),
        authorization: request.headers.get("authorization"),
      }),
  );
  try {
    const api = cliFetch({
      issuer: "https://issuer.invalid",
      clientId: "unused",
      apiKey: "k-123",
      onPrompt: () => assert.fail("no login with an API key"),
    });
    const body = await (await api(`http://127.0.0.1:${server.addr.port}/v1/me`)).json();
    assert.deepEqual(body, { key: "k-123", authorization: null });
  } finally {
    await server.shutdown();
  }
});
