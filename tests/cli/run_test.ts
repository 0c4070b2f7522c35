/** The CLI in-process through `run()`: help, version, usage errors, decode --verify, profiles. */

import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { EXIT, run, VERSION } from "../../src/cli/main.ts";
import { cliIo, StatusLine } from "../../src/cli/io.ts";
import { COMMAND_HELP } from "../../src/cli/help.ts";
import { splitCommand } from "../../src/cli/login.ts";
import { cliHome, runIn } from "./_cli.ts";

Deno.test("run() prints the version and the help of every command with examples", async () => {
  await using home = await cliHome();
  const version = await runIn(["--version"], home.env);
  assert.deepEqual(version, { code: EXIT.ok, stdout: `authfetch ${VERSION}\n`, stderr: "" });
  const main = await runIn(["--help"], home.env);
  assert.equal(main.code, 0);
  assert.match(
    main.stdout,
    /Exit codes: 0 ok, 1 request failed, 2 usage or configuration error, 3 authentication failed/,
  );
  for (const command of Object.keys(COMMAND_HELP)) {
    const help = await runIn([command, "--help"], home.env);
    assert.equal(help.code, 0, command);
    assert.match(help.stdout, new RegExp(`^authfetch ${command} — `));
    assert.match(
      help.stdout,
      /\nExamples:\n( {2}.*\n)* {2}authfetch /,
      `${command} --help has examples`,
    );
    assert.deepEqual(await runIn(["help", command], home.env), help);
  }
  const bare = await runIn([], home.env);
  assert.equal(bare.code, EXIT.usage);
});

Deno.test("run() reports usage errors on one line with exit code 2, and --debug adds the stack", async () => {
  await using home = await cliHome();
  const cases: [string[], RegExp][] = [
    [["frobnicate"], /Unknown command "frobnicate"/],
    [["--profile", "x", "token"], /Put options after the command/],
    [["token", "--nope"], /Unknown option '--nope' \(see authfetch token --help\)/],
    [["token", "extra"], /Unexpected argument "extra"/],
    [["token", "--profile", "missing"], /No profile "missing" in .*config\.json/],
    [["token"], /says nothing about how to get a token/],
    [["token", "--grant", "password", "--token-url", "https://as.example/token"], /no username/],
    [
      ["token", "--grant", "client_credentials", "--client-id", "a"],
      /neither an issuer nor a token URL/,
    ],
    [["fetch", "not a url"], /is not an absolute URL/],
    [["fetch", "https://x.example", "--retries=-1"], /--retries must be/],
    [["login", "--timeout", "soon"], /--timeout must be a positive number/],
    [["introspect", "a-token-in-argv"], /standard input with -/],
  ];
  for (const [args, message] of cases) {
    const r = await runIn(args, home.env);
    assert.equal(r.code, EXIT.usage, `${args.join(" ")} → ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  }
  const debug = await runIn(["token", "--debug"], home.env);
  assert.equal(debug.code, EXIT.usage);
  assert.match(debug.stderr, /\n\s+at /, "--debug prints the stack");
});

Deno.test("run() asks for a missing secret only when it can, and names the variable otherwise", async () => {
  await using home = await cliHome();
  const args = [
    "token",
    "--grant",
    "client_credentials",
    "--token-url",
    "http://127.0.0.1:9/token",
    "--client-id",
    "c",
    "--client-auth",
    "client_secret_post",
  ];
  const r = await runIn(args, home.env);
  assert.equal(r.code, EXIT.usage);
  assert.match(r.stderr, /client secret is needed: set AUTHFETCH_CLIENT_SECRET/);
  await home.writeConfig({ profiles: { default: { env: { clientSecret: "MY_SECRET" } } } });
  const renamed = await runIn(args, home.env);
  assert.match(renamed.stderr, /set MY_SECRET/);
});

Deno.test("run() decode --verify checks the signature against a JWKS and fails with exit code 3 otherwise", async () => {
  await using home = await cliHome();
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => Response.json({ keys: [jwk] }),
  );
  try {
    const jwks = `http://127.0.0.1:${server.addr.port}/jwks`;
    const jwt = await new SignJWT({ scope: "a b" }).setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer("https://as.example").setSubject("alice").setIssuedAt().setExpirationTime("1h")
      .sign(privateKey);
    const ok = await runIn([
      "decode",
      jwt,
      "--verify",
      "--jwks-url",
      jwks,
      "--issuer",
      "https://as.example",
    ], home.env);
    assert.equal(ok.code, EXIT.ok, ok.stderr);
    assert.match(ok.stdout, /Signature: signature valid \(key k1/);
    assert.match(ok.stdout, /exp: \d+ \(.*expires in (59m|1h)/);
    const json = await runIn(
      ["decode", "-", "--json", "--verify", "--jwks-url", jwks],
      home.env,
      jwt,
    );
    assert.equal(json.code, EXIT.ok, json.stderr);
    assert.equal(JSON.parse(json.stdout).verified, true);
    const wrongIssuer = await runIn([
      "decode",
      jwt,
      "--verify",
      "--jwks-url",
      jwks,
      "--issuer",
      "https://other.example",
    ], home.env);
    assert.equal(wrongIssuer.code, EXIT.auth);
    assert.match(wrongIssuer.stderr, /did not verify/);
    const tampered = `${jwt.slice(0, -4)}AAAA`;
    const bad = await runIn(["decode", tampered, "--verify", "--jwks-url", jwks], home.env);
    assert.equal(bad.code, EXIT.auth);
    assert.ok(
      !bad.stderr.includes(tampered) && !ok.stdout.includes(jwt),
      "the JWT itself is never echoed",
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("run() profiles lists and shows profiles without secrets", async () => {
  await using home = await cliHome();
  await home.writeConfig({
    defaultProfile: "work",
    profiles: {
      work: { grant: "device_code", issuer: "https://as.example", clientId: "cli" },
      svc: {
        grant: "client_credentials",
        tokenUrl: "https://as.example/token",
        clientId: "svc",
        client_secret: "oops-planted-secret",
      },
    },
  });
  const list = await runIn(["profiles"], home.env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(
    list.stdout,
    /^\* work {2}device_code {2}https:\/\/as\.example {2}cli {2}\[no token stored\]$/m,
  );
  assert.match(list.stdout, /^ {2}svc {2}client_credentials/m);
  const show = await runIn(["profiles", "show", "svc", "--json"], home.env);
  assert.equal(show.code, 0, show.stderr);
  assert.equal(JSON.parse(show.stdout).client_secret, "<redacted>");
  assert.ok(!show.stdout.includes("oops-planted-secret"));
  const missing = await runIn(["profiles", "show", "nope"], home.env);
  assert.equal(missing.code, EXIT.usage);
});

Deno.test("splitCommand() splits a browser command line honouring quotes", () => {
  assert.deepEqual(splitCommand(`chromium --a "b c" 'd e' f`), [
    "chromium",
    "--a",
    "b c",
    "d e",
    "f",
  ]);
  assert.deepEqual(splitCommand("  "), []);
});

Deno.test("run() returns exit code 7 (network failure) when the token endpoint cannot be reached", async () => {
  await using home = await cliHome();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const r = await runIn([
    "token",
    "--grant",
    "client_credentials",
    "--token-url",
    `http://127.0.0.1:${port}/token`,
    "--client-id",
    "c",
  ], { ...home.env, AUTHFETCH_CLIENT_SECRET: "planted-secret-123" });
  assert.equal(r.code, EXIT.network, r.stderr);
  assert.match(
    r.stderr,
    /^authfetch: network error: token request to http:\/\/127\.0\.0\.1:\d+\/token failed/,
  );
  assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  assert.ok(!r.stderr.includes("planted-secret-123"));
});

Deno.test("run() colours errors only on a terminal without NO_COLOR; the status line counts down on a terminal", async () => {
  await using home = await cliHome();
  const capture = async (env: Record<string, string>) => {
    let stderr = "";
    await run(["nonsense"], {
      stderr: (c) => {
        stderr += typeof c === "string" ? c : new TextDecoder().decode(c);
        return Promise.resolve();
      },
      env: (k) => env[k],
      stderrIsTerminal: true,
    });
    return stderr;
  };
  assert.ok((await capture({ ...home.env, NO_COLOR: "" })).includes("\x1b[31m"));
  assert.ok(!(await capture({ ...home.env, NO_COLOR: "1" })).includes("\x1b["));

  let drawn = "";
  const line = new StatusLine({
    ...cliIo({ env: () => undefined }),
    stderrIsTerminal: true,
    now: () => 1_000,
    stderr: (c) => {
      drawn += String(c);
      return Promise.resolve();
    },
  });
  line.start("Waiting", 1_000 + 125_000);
  line.stop();
  assert.ok(drawn.startsWith("\r\x1b[2K"));
  assert.match(drawn, /. Waiting \(2m 05s left\)/);
  assert.ok(drawn.endsWith("\r\x1b[2K"), "stop() clears the line");
});
