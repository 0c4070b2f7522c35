import assert from "node:assert/strict";
import { runDemo } from "../../examples/demo.ts";

Deno.test("deno task demo: every request succeeds through proactive refreshes, revocations and 503s", async () => {
  const lines: string[] = [];
  const report = await runDemo(4_000, (line) => lines.push(line));
  assert.equal(report.failed, 0);
  assert.ok(report.requests > 50);
  assert.ok(report.proactiveRefreshes >= 1, lines.join("\n"));
  assert.ok(report.refreshesAfter401 >= 1, lines.join("\n"));
  assert.ok(report.served503 >= 1 && report.retries >= report.served503);
  assert.ok(lines.some((l) => l.startsWith("requests served")));
  assert.ok(!lines.join("\n").includes("demo-secret"), "no secret in the demo output");
});
