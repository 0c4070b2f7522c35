/**
 * Runs the Node part of the suite (tests/node/, `node --test`) from `deno task test`: installs Node 22
 * (the platform's `node-<os>-<cpu>` package) and jose from the npm registry into tests/node/node_modules
 * when missing, then runs the core's tests there under Node's type stripping and requires them to pass.
 * Skipped, saying why, only when Node cannot be installed.
 */
import assert from "node:assert/strict";

const dir = new URL("../node/", import.meta.url).pathname;
const node = `${dir}node_modules/.bin/node`;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function install(): Promise<string | undefined> {
  if (exists(node) && exists(`${dir}node_modules/jose/package.json`)) return undefined;
  try {
    const { code, stderr } = await new Deno.Command("npm", {
      args: ["install", "--prefix", dir, "--no-audit", "--no-fund"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) return `npm install failed: ${new TextDecoder().decode(stderr).slice(-500)}`;
  } catch (error) {
    return `npm is not available: ${(error as Error).message}`;
  }
  return exists(node)
    ? undefined
    : `npm install provided no node-${Deno.build.os}-${Deno.build.arch} binary`;
}

Deno.test("the core passes its Node 22 test suite (tests/node, node --test, node:http server)", async (t) => {
  const problem = await install();
  if (problem !== undefined) {
    console.warn(`Node 22 could not be installed, Node tests skipped: ${problem}`);
    await t.step({ name: `skipped: ${problem}`, ignore: true, fn: () => {} });
    return;
  }
  const version = new TextDecoder().decode(
    (await new Deno.Command(node, { args: ["--version"], stdout: "piped" }).output()).stdout,
  ).trim();
  assert.match(version, /^v2[2-9]\./, `Node 22 or later, not ${version}`);
  const { code, stdout, stderr } = await new Deno.Command(node, {
    args: ["--import", "./resolve_jose.mjs", "--test", "--test-reporter=tap", "core.test.ts"],
    cwd: dir,
    env: { NO_COLOR: "1", NODE_NO_WARNINGS: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 0, output);
  assert.match(output, new RegExp(`authfetch core on Node ${version.replaceAll(".", "\\.")}`));
  assert.match(output, /^# fail 0$/m, output);
  const passed = Number(/^# pass (\d+)$/m.exec(output)?.[1] ?? 0);
  assert.ok(passed >= 7, output);
});
