/**
 * The loopback login in a real browser: `authfetch login --loopback --browser-command …` opens the
 * authorization URL in Debian's headless Chromium, the test fills the provider's login and consent pages
 * through the DevTools protocol (`npm:playwright-core`), and the CLI receives the code on its loopback
 * port and stores the tokens. Screenshots of the provider's page and of the CLI's "you can close this
 * tab" page are kept in tests/cli/artifacts/.
 */

import assert from "node:assert/strict";
import { chromium, type Page } from "npm:playwright-core@^1.55.0";
import { NATIVE_CLIENT_ID, startOidcProvider } from "../peers/oidc_provider.ts";
import { cli, cliHome, type CliResult, LiveCli } from "./_cli.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const hasChromium = await Deno.stat(CHROMIUM).then((s) => s.isFile, () => false);
if (!hasChromium) {
  console.warn(
    `SKIPPED browser login test: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/setup.d/chromium.sh does it in CI)`,
  );
}

async function devToolsPort(profileDir: string, deadline: number): Promise<number> {
  for (;;) {
    const text = await Deno.readTextFile(`${profileDir}/DevToolsActivePort`).catch(() => "");
    const port = Number(text.split("\n")[0]);
    if (port > 0) return port;
    if (Date.now() > deadline) throw new Error("Chromium did not open its DevTools port");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function providerPage(pages: () => Page[], origin: string, deadline: number): Promise<Page> {
  for (;;) {
    const page = pages().find((p) => p.url().startsWith(origin));
    if (page) return page;
    if (Date.now() > deadline) throw new Error(`no page of ${origin} opened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name:
    "authfetch login --loopback in headless Chromium: provider pages filled, code received, tokens stored",
  ignore: !hasChromium,
  sanitizeResources: false, // the DevTools websocket of playwright-core closes after the test ends
  sanitizeOps: false,
  async fn() {
    await using home = await cliHome();
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const profileDir = await Deno.makeTempDir({ prefix: "authfetch-chromium-" });
    const peer = await startOidcProvider();
    const browserCommand = [
      CHROMIUM,
      ...FLAGS,
      `--user-data-dir=${profileDir}`,
      "--remote-debugging-port=0",
    ]
      .join(" ");
    const flags = ["--issuer", peer.issuer, "--client-id", NATIVE_CLIENT_ID, "--scope", "openid"];
    const login = new LiveCli(
      [
        "login",
        "--loopback",
        "--grant",
        "authorization_code",
        ...flags,
        "--browser-command",
        browserCommand,
      ],
      home.env,
    );
    let browser: Awaited<ReturnType<typeof chromium.connectOverCDP>> | undefined;
    let result: CliResult | undefined;
    try {
      await login.waitFor(/open this URL in your browser:\n(\S+)\n/);
      const deadline = Date.now() + 20_000;
      const port = await devToolsPort(profileDir, deadline);
      browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
      const context = browser.contexts()[0];
      const page = await providerPage(() => context.pages(), peer.issuer, deadline);
      await page.waitForSelector("input[name=login]");
      await page.fill("input[name=login]", "dave");
      await page.fill("input[name=password]", "any-password");
      await page.screenshot({ path: `${ARTIFACTS}/provider_login.png` });
      await page.click("button[type=submit]");
      // Consent ("Authorize" page of devInteractions), then the redirect to the CLI's loopback port.
      await page.waitForSelector("input[name=prompt][value=consent]", { state: "attached" });
      await page.screenshot({ path: `${ARTIFACTS}/provider_consent.png` });
      await page.click("button[type=submit]");
      await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
      await page.waitForSelector("text=You can close this tab");
      await page.screenshot({ path: `${ARTIFACTS}/cli_signed_in.png` });
      assert.match(await page.title(), /authfetch: Signed in/);
      result = await login.result();
    } finally {
      if (result === undefined) await login.kill();
      if (browser !== undefined) {
        const session = await browser.newBrowserCDPSession();
        await session.send("Browser.close").catch(() => {});
        await browser.close().catch(() => {});
      }
      await peer.close();
      await Deno.remove(profileDir, { recursive: true }).catch(() => {});
    }
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Logged in with profile "default" as dave/);
    const token = await cli(
      ["token", "--grant", "authorization_code", ...flags, "--json"],
      home.env,
    );
    assert.equal(token.code, 0, token.stderr);
    assert.equal(JSON.parse(token.stdout).has_refresh_token, true);
    for (const name of ["provider_login.png", "provider_consent.png", "cli_signed_in.png"]) {
      assert.ok((await Deno.stat(`${ARTIFACTS}/${name}`)).size > 1000, `${name} was saved`);
    }
  },
});
