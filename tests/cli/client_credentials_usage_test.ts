/**
 * `authfetch token` and `fetch` with client credentials and no secret or no client id: a usage error
 * (exit 2, one line, naming the variable or the flag) and no request at all, never an unauthenticated
 * request. On a terminal the secret is asked for without echo instead. Subprocesses against a raw HTTP
 * server that counts requests, plus in-process runs for the prompt.
 */

import assert from "node:assert/strict";
import { decodeJwt, exportJWK, generateKeyPair } from "jose";
import { run } from "../../src/cli/main.ts";
import { cli, type CliHome, cliHome, type CliResult } from "./_cli.ts";
import { type RawServer, startRawServer } from "./_raw_http.ts";

/** A CLI home and a raw token server that counts requests, for one test. */
async function withTokenServer(
  test: (home: CliHome, server: RawServer) => Promise<void>,
): Promise<void> {
  await using home = await cliHome();
  const server = startRawServer(() => ({
    headers: { "content-type": "application/json", "cache-control": "no-store" },
    body: JSON.stringify({
      access_token: "at-from-raw-server-1",
      token_type: "Bearer",
      expires_in: 3600,
    }),
  }));
  try {
    await test(home, server);
  } finally {
    await server.close();
  }
}

/** The client-credentials flags against `server`: token URL, then the client id unless `clientId` is false. */
function ccFlags(server: RawServer, clientId = true): string[] {
  return [
    "--token-url",
    `${server.origin}/token`,
    ...(clientId ? ["--client-id", "svc"] : []),
    "--grant",
    "client_credentials",
  ];
}

function usageLine(r: CliResult): string {
  assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^authfetch: usage error: /);
  assert.ok(!r.stderr.includes("<redacted>"), `the message is not garbled: ${r.stderr}`);
  return lines[0].slice("authfetch: usage error: ".length);
}

Deno.test("authfetch token with client credentials and no AUTHFETCH_CLIENT_SECRET exits 2 naming the variable, sending nothing", () =>
  withTokenServer(async (home, server) => {
    const flags = ccFlags(server);
    const token = await cli(["token", ...flags], home.env);
    assert.equal(
      usageLine(token),
      "The client secret is needed: set AUTHFETCH_CLIENT_SECRET (or run on a terminal to be asked for it)",
    );
    const fetched = await cli(["fetch", `${server.origin}/api`, ...flags], home.env);
    assert.match(usageLine(fetched), /^The client secret is needed: set AUTHFETCH_CLIENT_SECRET/);
    // A profile's env object renames the variable, and the message says the new name.
    await home.writeConfig({
      profiles: {
        svc: {
          grant: "client_credentials",
          tokenUrl: `${server.origin}/token`,
          clientId: "svc",
          env: { clientSecret: "SVC_SECRET" },
        },
      },
    });
    const renamed = await cli(["token", "-p", "svc"], home.env);
    assert.match(usageLine(renamed), /^The client secret is needed: set SVC_SECRET /);
    assert.equal(server.requests.length, 0, "no request without client authentication");
  }));

Deno.test("authfetch token asks for a missing client secret on a terminal and sends it with Basic auth", () =>
  withTokenServer(async (home, server) => {
    const prompts: string[] = [];
    let stdout = "";
    const code = await run(["token", ...ccFlags(server)], {
      env: (name) => home.env[name],
      stdout: (chunk) => Promise.resolve(void (stdout += String(chunk))),
      stderr: () => Promise.resolve(),
      readSecret: (prompt) => {
        prompts.push(prompt);
        return Promise.resolve("typed-secret-123");
      },
    });
    assert.equal(code, 0);
    assert.deepEqual(prompts, ["Client secret: "]);
    assert.equal(stdout, "at-from-raw-server-1\n");
    assert.equal(server.requests.length, 1);
    assert.equal(
      server.requests[0].header("authorization"),
      `Basic ${btoa("svc:typed-secret-123")}`,
    );
  }));

Deno.test("authfetch token with client credentials and AUTHFETCH_PRIVATE_KEY uses private_key_jwt without a secret", () =>
  withTokenServer(async (home, server) => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), alg: "ES256" };
    const r = await cli(
      ["token", ...ccFlags(server)],
      { ...home.env, AUTHFETCH_PRIVATE_KEY: JSON.stringify(jwk) },
    );
    assert.equal(r.code, 0, r.stderr);
    const form = new URLSearchParams(server.requests[0].text());
    assert.equal(
      form.get("client_assertion_type"),
      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    );
    assert.equal(decodeJwt(form.get("client_assertion")!).sub, "svc");
    assert.equal(server.requests[0].header("authorization"), undefined);
  }));

Deno.test("authfetch token and fetch without --client-id exit 2 with a clear, unredacted message", () =>
  withTokenServer(async (home, server) => {
    const env = {
      ...home.env,
      AUTHFETCH_CLIENT_SECRET: "svc-secret-value",
      AUTHFETCH_PASSWORD: "pw-value-123",
    };
    const cc = ccFlags(server, false);
    const expected =
      "No client id: pass --client-id ID (or put the settings in a profile, see authfetch --help)";
    assert.equal(usageLine(await cli(["token", ...cc], env)), expected);
    assert.equal(usageLine(await cli(["fetch", `${server.origin}/api`, ...cc], env)), expected);
    // The password grant needs no client id, unless a client secret is to be sent.
    const password = [
      "--token-url",
      `${server.origin}/token`,
      "--grant",
      "password",
      "--username",
      "alice",
    ];
    assert.equal(usageLine(await cli(["token", ...password], env)), expected);
    await home.writeConfig({
      profiles: { svc: { grant: "client_credentials", tokenUrl: `${server.origin}/token` } },
    });
    assert.match(
      usageLine(await cli(["token", "-p", "svc"], env)),
      /^Profile "svc" has no client id: add "clientId" to .*config\.json or pass --client-id$/,
    );
    assert.equal(server.requests.length, 0);
    // Without a secret, the password grant goes out as a public client (no client id is needed).
    const pub = await cli(["token", ...password], { ...env, AUTHFETCH_CLIENT_SECRET: "" });
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(server.requests[0].header("authorization"), undefined);
  }));
