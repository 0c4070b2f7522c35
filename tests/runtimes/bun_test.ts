/**
 * Runs the Bun part of the suite (tests/bun/, `bun test`) from `deno task test`: installs Bun and jose
 * from the npm registry into tests/bun/node_modules when missing, then runs Bun there and requires it
 * to pass. Skipped, saying why, only when Bun cannot be installed.
 */
import assert from "node:assert/strict";

const dir = new URL("../bun/", import.meta.url).pathname;
const bun = `${dir}node_modules/.bin/bun`;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function install(): Promise<string | undefined> {
  if (exists(bun) && exists(`${dir}node_modules/jose/package.json`)) {
    return undefined;
  }
  try {
    const { code, stderr } = await new Deno.Command("npm", {
      args: ["install", "--prefix", dir, "--no-audit", "--no-fund"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      return `npm install failed: ${new TextDecoder().decode(stderr).slice(-500)}`;
    }
  } catch (error) {
    return `npm is not available: ${(error as Error).message}`;
  }
  return exists(bun) ? undefined : "npm install did not provide node_modules/.bin/bun";
}

Deno.test("the core passes its Bun test suite (tests/bun, bun test)", async (t) => {
  const problem = await install();
  if (problem !== undefined) {
    console.warn(`Bun could not be installed, Bun tests skipped: ${problem}`);
    await t.step({ name: `skipped: ${problem}`, ignore: true, fn: () => {} });
    return;
  }
  const { code, stdout, stderr } = await new Deno.Command(bun, {
    args: ["test"],
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(stdout) +
    new TextDecoder().decode(stderr);
  assert.equal(code, 0, output);
  assert.match(output, / 0 fail/, output);
  const passed = Number(/(\d+) pass/.exec(output)?.[1] ?? 0);
  assert.ok(passed >= 7, output);
});
