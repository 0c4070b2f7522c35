/**
 * Runs the Bun part of the suite (tests/bun/, `bun test`) from `deno task test`: installs Bun and jose
 * from the npm registry into tests/bun/node_modules when missing, then runs Bun there and requires it
 * to pass. Skipped, saying why, only when Bun cannot be installed.
 */
import assert from "node:assert/strict";
import { runSuite, runtimeOrSkip } from "./_npm_runtime.ts";

const dir = new URL("../bun/", import.meta.url).pathname;
const bun = `${dir}node_modules/.bin/bun`;

Deno.test("the core passes its Bun test suite (tests/bun, bun test)", async (t) => {
  const missing = "npm install did not provide node_modules/.bin/bun";
  if (!await runtimeOrSkip(t, "Bun", dir, bun, missing)) return;
  const { code, output } = await runSuite(bun, ["test"], dir, { NO_COLOR: "1" });
  assert.equal(code, 0, output);
  assert.match(output, / 0 fail/, output);
  const passed = Number(/(\d+) pass/.exec(output)?.[1] ?? 0);
  assert.ok(passed >= 7, output);
});
