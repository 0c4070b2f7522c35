import assert from "node:assert/strict";
import { main } from "../../examples/device_login.ts";

Deno.test("examples/device_login.ts signs in with the device flow and renews without a prompt", async () => {
  const lines: string[] = [];
  const token = await main({}, (line) => lines.push(line));
  assert.equal(typeof token.accessToken, "string");
  assert.equal(typeof token.refreshToken, "string");
  assert.equal(lines.filter((l) => l.startsWith("Demo: approving")).length, 1);
  assert(lines.some((l) => l.startsWith("Signed in")));
  assert(lines.some((l) => l.startsWith("Renewed with the refresh token")));
  assert(!lines.join("\n").includes(token.accessToken), "no token in the output");
});
