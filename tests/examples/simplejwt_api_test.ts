import assert from "node:assert/strict";
import { simpleJwtTour } from "../../examples/simplejwt_api.ts";
import { startSimpleJwtServer } from "../peers/simplejwt_server.ts";
import { djangoMissing, startDjango } from "../peers/django_server.ts";

Deno.test("examples/simplejwt_api.ts logs in, verifies, logs in again, refreshes and starts from existing tokens", async () => {
  const server = startSimpleJwtServer({ users: { alice: "wonderland" } });
  try {
    const lines: string[] = [];
    const tour = await simpleJwtTour(
      { apiUrl: `${server.origin}/api/`, username: "alice", password: "wonderland" },
      (line) => lines.push(line),
    );
    assert.equal(tour.valid, true);
    assert.deepEqual(tour.me, { username: "alice" });
    // Refreshing only the access token keeps the refresh token of the fresh pair.
    assert.equal(tour.refreshed.refreshToken, tour.fresh.refreshToken);
    assert.notEqual(tour.refreshed.accessToken, tour.fresh.accessToken);
    // One call each: two logins, one verify, one refresh, one API call with the existing token.
    const { logins, verifies, refreshes, api, api401 } = server.counters;
    assert.deepEqual({ logins, verifies, refreshes, api, api401 }, {
      logins: 2,
      verifies: 1,
      refreshes: 1,
      api: 1,
      api401: 0,
    });
    const output = lines.join("\n");
    assert.ok(!output.includes(tour.fresh.accessToken) && !output.includes("wonderland"));
  } finally {
    await server.close();
  }
});

Deno.test("examples/simplejwt_api.ts runs as a program against its stand-in", async () => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../examples/simplejwt_api.ts", import.meta.url).pathname],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(code, 0);
  assert.match(new TextDecoder().decode(stdout), /me: \{"username":"alice"\}/);
});

Deno.test("examples/simplejwt_api.ts runs its tour against real Django REST framework SimpleJWT (Debian)", async (t) => {
  const missing = await djangoMissing();
  if (missing !== undefined) {
    console.warn(`Django tests skipped: ${missing}`);
    await t.step({ name: `skipped: ${missing}`, ignore: true, fn: () => {} });
    return;
  }
  const django = await startDjango({ users: { alice: "wonderland" } });
  try {
    const lines: string[] = [];
    const started = Date.now();
    const tour = await simpleJwtTour(
      { apiUrl: `${django.origin}/api/`, username: "alice", password: "wonderland" },
      (line) => lines.push(line),
    );
    assert.equal(tour.valid, true, "token/verify/ accepted the access token");
    assert.deepEqual(tour.me, { username: "alice" }, "api/me/ authenticated the existing token");
    // SimpleJWT without ROTATE_REFRESH_TOKENS answers token/refresh/ with {access} only: the pair's
    // refresh token is kept.
    assert.equal(tour.refreshed.refreshToken, tour.fresh.refreshToken);
    assert.notEqual(tour.refreshed.accessToken, tour.fresh.accessToken);
    // The expiry comes from the JWT's exp: SimpleJWT's ACCESS_TOKEN_LIFETIME, 300 s here.
    const lifetime = tour.refreshed.expiresAt! - started;
    assert.ok(lifetime > 290_000 && lifetime <= 301_000, `lifetime ${lifetime} ms`);
    const output = lines.join("\n");
    assert.ok(!output.includes(tour.fresh.accessToken) && !output.includes("wonderland"));

    // A wrong password: SimpleJWT's 401 becomes an error naming the login, without the password.
    const wrong = await simpleJwtTour(
      { apiUrl: `${django.origin}/api/`, username: "alice", password: "not-the-password" },
      () => {},
    ).catch((error) => error);
    assert.ok(wrong instanceof Error);
    assert.ok(!String(wrong.message).includes("not-the-password"), wrong.message);
  } finally {
    await django.close();
  }
});

Deno.test("examples/simplejwt_api.ts runs as a program against real SimpleJWT (SIMPLEJWT_URL)", async (t) => {
  const missing = await djangoMissing();
  if (missing !== undefined) {
    await t.step({ name: `skipped: ${missing}`, ignore: true, fn: () => {} });
    return;
  }
  const django = await startDjango({ users: { bob: "builder-pw" } });
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../../examples/simplejwt_api.ts", import.meta.url).pathname],
      env: {
        NO_COLOR: "1",
        SIMPLEJWT_URL: `${django.origin}/api/`,
        SIMPLEJWT_USER: "bob",
        SIMPLEJWT_PASSWORD: "builder-pw",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(out, /verify: true/);
    assert.match(out, /me: \{"username":"bob"\}/);
  } finally {
    await django.close();
  }
});
