import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import { configFromEnv, startWebLogin } from "../../examples/web_login.ts";
import { completeAuthorization } from "../peers/oidc_interactions.ts";

Deno.test("examples/web_login.ts logs a user in against the embedded provider", async () => {
  const { config, stop } = await configFromEnv({ PORT: "0" });
  const app = startWebLogin(config);
  try {
    const start = await fetch(`${app.url}/login`, { redirect: "manual" });
    await start.body?.cancel();
    assert.equal(start.status, 302);
    const loginCookie = start.headers.getSetCookie()[0].split(";")[0];
    assert.match(start.headers.getSetCookie()[0], /HttpOnly; SameSite=Lax/);

    const callback = await completeAuthorization(start.headers.get("location")!, { login: "dora" });
    assert.equal(callback.origin, app.url);
    const finished = await fetch(callback, {
      headers: { cookie: loginCookie },
      redirect: "manual",
    });
    await finished.body?.cancel();
    assert.equal(finished.status, 303);
    const session = finished.headers.getSetCookie().find((c) =>
      c.startsWith("sid=")
    )!.split(";")[0];

    const home = await (await fetch(`${app.url}/`, { headers: { cookie: session } })).text();
    assert.match(home, /Logged in as <b id="user">dora<\/b>/);
    const me = await fetch(`${app.url}/me`, { headers: { cookie: session } });
    assert.equal((await me.json()).sub, "dora");

    // Replaying the callback (code already used, login cookie gone) does not log anyone in.
    const replay = await fetch(callback, { redirect: "manual" });
    assert.equal(replay.status, 400);
    await replay.body?.cancel();
  } finally {
    await app.close();
    await stop();
  }
});

Deno.test("examples/web_login.ts takes its public base URL as scheme/host/port/prefix", async () => {
  const { config, stop } = await configFromEnv({
    PORT: "0",
    AUTHFETCH_PUBLIC_SCHEME: "http",
    AUTHFETCH_PUBLIC_HOST: "127.0.0.1",
    AUTHFETCH_PUBLIC_PORT: "8443",
    AUTHFETCH_PUBLIC_PREFIX: "/myapp",
  });
  const app = startWebLogin(config);
  try {
    const start = await fetch(`${app.url}/login`, { redirect: "manual" });
    await start.body?.cancel();
    const authorization = new URL(start.headers.get("location")!);
    assert.equal(
      authorization.searchParams.get("redirect_uri"),
      "http://127.0.0.1:8443/myapp/callback",
    );
    // The state is a signed JWT with an expiry.
    const state = authorization.searchParams.get("state")!;
    assert.equal(typeof decodeJwt(state).exp, "number");
  } finally {
    await app.close();
    await stop();
  }
});
