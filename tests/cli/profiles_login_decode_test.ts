/**
 * Smaller things a new user meets: `profiles show` shows environment variable names, `profiles --json`
 * gives the token state as fields, a device login validates the ID token and says who logged in (or
 * drops an ID token it cannot validate), "1 check so far", `login --timeout`, and `decode` on a terminal without a token.
 */

import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { DEVICE_CLIENT_ID, startOidcProvider } from "../peers/oidc_provider.ts";
import { approveDeviceCode } from "../peers/oidc_interactions.ts";
import { FileStore } from "../../src/stores/file.ts";
import { paths, type Profile, storeKey } from "../../src/cli/config.ts";
import { run } from "../../src/cli/main.ts";
import { cliHome, type CliResult, LiveCli, runIn } from "./_cli.ts";
import { type RawAnswer, startRawServer } from "./_raw_http.ts";

Deno.test("authfetch profiles show keeps environment variable names; --json gives token state as fields", async () => {
  await using home = await cliHome();
  const profile: Profile = {
    grant: "client_credentials",
    tokenUrl: "https://auth.example.com/token",
    clientId: "svc",
    env: { clientSecret: "SVC_CLIENT_SECRET", password: "SVC_PASSWORD" },
  };
  await home.writeConfig({
    defaultProfile: "svc",
    profiles: { svc: profile, empty: { grant: "password" } },
  });
  const shown = await runIn(["profiles", "show", "svc"], home.env);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(
    shown.stdout,
    /env: \{"clientSecret":"SVC_CLIENT_SECRET","password":"SVC_PASSWORD"\}/,
  );
  assert.ok(!shown.stdout.includes("<redacted>"));
  assert.match(shown.stdout, /token: no token stored/);

  const where = paths({ env: (k: string) => home.env[k] } as never);
  const expiresAt = Date.now() + 600_000;
  await new FileStore({ directory: where.tokens }).set(
    await storeKey({ name: "svc", profile, paths: where, saved: true }),
    { accessToken: "at-0123456789", tokenType: "Bearer", expiresAt, refreshToken: "rt-0123456789" },
  );
  const json = JSON.parse((await runIn(["profiles", "show", "svc", "--json"], home.env)).stdout);
  assert.deepEqual(json.env, { clientSecret: "SVC_CLIENT_SECRET", password: "SVC_PASSWORD" });
  assert.equal(json.token.stored, true);
  assert.equal(json.token.expiresAt, new Date(expiresAt).toISOString());
  assert.ok(json.token.expiresIn > 590 && json.token.expiresIn <= 600);
  assert.equal(json.token.expired, false);
  assert.equal(json.token.hasRefreshToken, true);
  const list = JSON.parse((await runIn(["profiles", "--json"], home.env)).stdout);
  assert.deepEqual(
    list.map((r: { name: string; token: { stored: boolean } }) => [r.name, r.token.stored]),
    [
      ["svc", true],
      ["empty", false],
    ],
  );
  const text = await runIn(["profiles"], home.env);
  assert.match(
    text.stdout,
    /\* svc .*\[access token valid for (9m 5\d|10m 00)s, refresh token stored\]/,
  );
});

Deno.test("authfetch login --device validates the ID token and says who logged in; without an issuer it drops it", async () => {
  await using home = await cliHome();
  const peer = await startOidcProvider();
  const login = async (args: string[]): Promise<CliResult> => {
    const live = new LiveCli(["login", "--device", "--poll-interval", "0.1", ...args], home.env);
    try {
      const [, uri, code] = await live.waitFor(/open (\S+) and enter the code: (\S+)/);
      await approveDeviceCode(uri, code, { login: "dora" });
      return await live.result();
    } catch (error) {
      await live.kill();
      throw error;
    }
  };
  try {
    const common = ["--client-id", DEVICE_CLIENT_ID, "--scope", "openid offline_access"];
    const validated = await login(["--issuer", peer.issuer, ...common]);
    assert.equal(validated.code, 0, validated.stderr);
    assert.match(validated.stderr, /Logged in with profile "default" as dora;/);

    const noIssuer = await login([
      "--token-url",
      `${peer.issuer}/token`,
      "--device-authorization-url",
      `${peer.issuer}/device/auth`,
      ...common,
    ]);
    assert.equal(noIssuer.code, 0, noIssuer.stderr);
    assert.match(
      noIssuer.stderr,
      /The ID token was not stored: without --issuer it cannot be validated\./,
    );
    assert.match(noIssuer.stderr, /Logged in with profile "default";/, "no unvalidated name");
    const where = paths({ env: (k: string) => home.env[k] } as never);
    const profile: Profile = {
      tokenUrl: `${peer.issuer}/token`,
      deviceAuthorizationUrl: `${peer.issuer}/device/auth`,
      clientId: DEVICE_CLIENT_ID,
      scope: "openid offline_access",
    };
    const stored = await new FileStore({ directory: where.tokens }).get(
      await storeKey({ name: "default", profile, paths: where, saved: false }),
    );
    assert.ok(stored !== undefined && stored.refreshToken !== undefined);
    assert.equal(stored.idToken, undefined);
  } finally {
    await peer.close();
  }
});

/** A raw device-flow server: `/device` starts a flow, every other request is a poll `answer` decides. */
function deviceServer(answer: (poll: number) => RawAnswer) {
  let polls = 0;
  return startRawServer((request) =>
    request.target === "/device"
      ? {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          device_code: "dc-0123456789",
          user_code: "ABCD-EFGH",
          verification_uri: "https://example.com/device",
          expires_in: 600,
        }),
      }
      : answer(++polls)
  );
}

/** `authfetch login --device` against `server`, polling every 10 ms. */
function deviceLogin(server: { origin: string }): string[] {
  return [
    "login",
    "--device",
    "--token-url",
    `${server.origin}/token`,
    "--device-authorization-url",
    `${server.origin}/device`,
    "--client-id",
    "dev",
    "--poll-interval",
    "0.01",
  ];
}

/** A poll still waiting for approval. */
const PENDING: RawAnswer = {
  status: 400,
  headers: { "content-type": "application/json" },
  body: '{"error":"authorization_pending"}',
};

Deno.test("authfetch login --device counts polls in words: 1 check so far, 2 checks so far", async () => {
  await using home = await cliHome();
  const server = deviceServer((poll) =>
    poll < 3 ? PENDING : {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        access_token: "at-device-0123",
        token_type: "Bearer",
        expires_in: 60,
      }),
    }
  );
  try {
    let stderr = "";
    let clock = Date.now();
    const code = await run(deviceLogin(server), {
      env: (name) => home.env[name],
      stderr: (chunk) => Promise.resolve(void (stderr += String(chunk))),
      stderrIsTerminal: false,
      // Every reading of the clock is 31 s later, so each poll prints its line (at most one per 30 s).
      now: () => (clock += 31_000),
    });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /Still waiting for approval \(1 check so far\)/);
    assert.match(stderr, /Still waiting for approval \(2 checks so far\)/);
    assert.ok(!/1 checks/.test(stderr));
  } finally {
    await server.close();
  }
});

Deno.test("authfetch login --timeout ends a device login still pending with exit 28", async () => {
  await using home = await cliHome();
  const server = deviceServer(() => PENDING);
  try {
    let stderr = "";
    const code = await run([...deviceLogin(server), "--timeout", "0.2"], {
      env: (name) => home.env[name],
      stderr: (chunk) => Promise.resolve(void (stderr += String(chunk))),
      stderrIsTerminal: false,
    });
    assert.equal(code, 28, stderr);
    assert.match(stderr, /authfetch: timed out: login timed out after 0\.2 s\n$/);
    assert.ok(server.requests.length >= 2, "it polled until the deadline");
  } finally {
    await server.close();
  }
});

Deno.test("authfetch decode on a terminal without a token says how to give one; - reads a pasted token", async () => {
  await using home = await cliHome();
  const capture = async (args: string[], stdin: string) => {
    let stdout = "";
    let stderr = "";
    const code = await run(args, {
      env: (name) => home.env[name],
      stdout: (chunk) => Promise.resolve(void (stdout += String(chunk))),
      stderr: (chunk) => Promise.resolve(void (stderr += String(chunk))),
      stdin: () => new Blob([stdin]).stream(),
      stdinIsTerminal: true,
    });
    return { code, stdout, stderr };
  };
  const bare = await capture(["decode"], "");
  assert.equal(bare.code, 2);
  assert.equal(
    bare.stderr,
    "authfetch: usage error: decode needs a JWT: pass it as an argument, pipe it in (authfetch token | authfetch decode), or give - to paste it\n",
  );
  const jwt = await new SignJWT({ sub: "alice" }).setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode("k".repeat(32)));
  const pasted = await capture(["decode", "-"], `${jwt}\n`);
  assert.equal(pasted.code, 0, pasted.stderr);
  assert.equal(pasted.stderr, "Paste the JWT, then press Enter and Ctrl-D:\n");
  assert.match(pasted.stdout, /sub: "alice"/);
});
