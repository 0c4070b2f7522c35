/**
 * Runs the Node part of the suite (tests/node/, `node --test`) from `deno task test`: installs Node 22
 * (the platform's `node-<os>-<cpu>` package) and jose from the npm registry into tests/node/node_modules
 * when missing, then runs the core's tests there under Node's type stripping and requires them to pass.
 * Skipped, saying why, only when Node cannot be installed.
 */
import assert from "node:assert/strict";
import { runSuite, runtimeOrSkip } from "./_npm_runtime.ts";

const dir = new URL("../node/", import.meta.url).pathname;
const node = `${dir}node_modules/.bin/node`;

Deno.test("the core passes its Node 22 test suite (tests/node, node --test, node:http server)", async (t) => {
  const missing = `npm install provided no node-${Deno.build.os}-${Deno.build.arch} binary`;
  if (!await runtimeOrSkip(t, "Node 22", dir, node, missing)) return;
  const version = new TextDecoder().decode(
    (await new Deno.Command(node, { args: ["--version"], stdout: "piped" }).output()).stdout,
  ).trim();
  assert.match(version, /^v2[2-9]\./, `Node 22 or later, not ${version}`);
  const { code, output } = await runSuite(
    node,
    ["--import", "./resolve_jose.mjs", "--test", "--test-reporter=tap", "core.test.ts"],
    dir,
    { NO_COLOR: "1", NODE_NO_WARNINGS: "1" },
  );
  assert.equal(code, 0, output);
  assert.match(output, new RegExp(`authfetch core on Node ${version.replaceAll(".", "\\.")}`));
  assert.match(output, /^# fail 0$/m, output);
  const passed = Number(/^# pass (\d+)$/m.exec(output)?.[1] ?? 0);
  assert.ok(passed >= 7, output);
});
