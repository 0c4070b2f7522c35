import assert from "node:assert/strict";
import { VERSION } from "../../src/cli/version.ts";

Deno.test("cli VERSION equals the version in deno.json", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.equal(VERSION, config.version);
});
