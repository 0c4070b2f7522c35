import assert from "node:assert/strict";
import { simpleJwtTour } from "../../examples/simplejwt_api.ts";
import { startSimpleJwtServer } from "../peers/simplejwt_server.ts";

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
