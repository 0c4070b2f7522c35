/**
 * Run first by `scripts/test_dist.ts`: fails unless `tests/dist/import_map.json` sends the suite's
 * `../mod.ts` to the built `dist/mod.js`, so a run against the sources cannot pass for one against
 * the build. (Not named `*_test.ts`: under the plain suite it would fail by design.)
 *
 * @module
 */

import assert from "node:assert/strict";
import * as built from "../../mod.ts";

Deno.test("the suite's ../mod.ts resolves to dist/mod.js, the build users run", () => {
  assert.equal(
    import.meta.resolve("../../mod.ts"),
    new URL("../../dist/mod.js", import.meta.url).href,
  );
  assert.equal(typeof built.createFetch, "function");
});
