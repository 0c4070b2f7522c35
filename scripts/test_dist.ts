/**
 * Runs the tests that use only the public API (`mod.ts`) a second time, against the build users run
 * (`dist/mod.js`, which `scripts/build.ts` bundles and rewrites with compile hints), through
 * `tests/dist/import_map.json`. A test file qualifies when it imports `mod.ts` and nothing under
 * `src/` directly; `tests/dist/resolves_to_dist.ts` runs first and fails unless the map took effect.
 * Part of `deno task test`.
 *
 * Run: `deno run -A scripts/test_dist.ts`.
 *
 * @module
 */

const root = new URL("../", import.meta.url);

/** Test files under `tests/` that import `mod.ts` and no module under `src/`. */
export async function publicApiTests(dir = "tests"): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(new URL(`${dir}/`, root))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      if (entry.name !== "node_modules" && entry.name !== "bun" && entry.name !== "node") {
        found.push(...await publicApiTests(path));
      }
    } else if (entry.name.endsWith("_test.ts")) {
      const code = await Deno.readTextFile(new URL(path, root));
      if (/from "(\.\.\/)+mod\.ts"/.test(code) && !/from "(\.\.\/)+src\//.test(code)) {
        found.push(path);
      }
    }
  }
  return found.sort();
}

if (import.meta.main) {
  const files = await publicApiTests();
  console.error(`running ${files.length} test files against dist/mod.js`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "-A",
      "--parallel",
      // dist/mod.js names mod.ts for its types, and the map sends mod.ts to dist/mod.js: the
      // sources are type-checked by the main run
      "--no-check",
      "--lock=tests/deno.lock",
      "--import-map=tests/dist/import_map.json",
      "tests/dist/resolves_to_dist.ts",
      ...files,
    ],
    cwd: root.pathname,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  Deno.exit(code);
}
