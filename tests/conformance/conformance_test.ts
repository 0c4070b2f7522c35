/**
 * Runs the official MCP conformance suite (`npm:@modelcontextprotocol/conformance`) against
 * tests/conformance/client.ts for every `auth/*` client scenario, three at a time, and prints the table the
 * README shows. Each scenario starts the suite's own authorization server and MCP server on loopback.
 */

import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";

const SUITE = "npm:@modelcontextprotocol/conformance@^0.1.16";
const CONFIG = fromFileUrl(new URL("../../deno.json", import.meta.url));
const LOCK = fromFileUrl(new URL("../deno.lock", import.meta.url));
const CLIENT = fromFileUrl(new URL("./client.ts", import.meta.url));
const CONCURRENCY = 3;

interface Outcome {
  scenario: string;
  passed: number;
  total: number;
  failed: number;
  warnings: number;
  ok: boolean;
  output: string;
}

async function suite(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, `--lock=${LOCK}`, SUITE, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

async function run(scenario: string): Promise<Outcome> {
  const command = `${Deno.execPath()} run -A --config ${CONFIG} --lock=${LOCK} ${CLIENT}`;
  const { code, stdout, stderr } = await suite([
    "client",
    "--command",
    command,
    "--scenario",
    scenario,
  ]);
  const output = stdout + stderr;
  const line = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(output);
  const [passed, total, failed, warnings] = line === null
    ? [0, 0, 0, 0]
    : line.slice(1).map(Number);
  return {
    scenario,
    passed,
    total,
    failed,
    warnings,
    ok: code === 0 && line !== null && failed === 0 && warnings === 0 &&
      output.includes("OVERALL: PASSED"),
    output,
  };
}

Deno.test({
  name: "MCP conformance: every auth/* client scenario passes with protectedResource()",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const listed = await suite(["list"]);
    const scenarios = [...(listed.stdout + listed.stderr).matchAll(/^\s+- (auth\/\S+)/gm)].map((
      m,
    ) => m[1]);
    assert.ok(
      scenarios.length >= 20,
      `expected the suite to list the auth scenarios:\n${listed.stderr}`,
    );
    const outcomes: Outcome[] = [];
    const queue = [...scenarios];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          outcomes.push(await run(next));
        }
      }),
    );
    outcomes.sort((a, b) => scenarios.indexOf(a.scenario) - scenarios.indexOf(b.scenario));
    const rows = outcomes.map((o) =>
      `| ${o.scenario} | ${o.passed}/${o.total} | ${o.warnings} | ${o.ok ? "pass" : "FAIL"} |`
    );
    console.log(
      ["| scenario | checks passed | warnings | result |", "|---|---|---|---|", ...rows].join("\n"),
    );
    console.log(`${outcomes.filter((o) => o.ok).length} of ${outcomes.length} auth scenarios pass`);
    const failures = outcomes.filter((o) => !o.ok);
    assert.deepEqual(
      failures.map((o) => o.scenario),
      [],
      failures.map((o) => `--- ${o.scenario}\n${o.output.slice(-3000)}`).join("\n"),
    );
  },
});
