/**
 * What the first `deno task demo` or `deno task cli` downloads is what the root deno.lock holds (Deno
 * installs every npm package of the lockfile before it runs a task). This keeps that lock to exactly the
 * npm packages that the library, its stores, the CLI and the demo import, so test-only packages
 * (oidc-provider, fast-check, redis, playwright-core, …) stay in tests/deno.lock and out of a new
 * user's first run. The download count itself is measured with `DENO_DIR=$(mktemp -d) deno task demo`
 * (README, "First run"); this test needs no network.
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const ENTRIES = [
  "mod.ts",
  "src/client_credentials.ts",
  "src/stores/file.ts",
  "src/stores/kv.ts",
  "src/stores/redis.ts",
  "src/cli/main.ts",
  "examples/demo.ts",
];

interface Lock {
  specifiers?: Record<string, string>;
  npm?: Record<string, { dependencies?: string[] }>;
  workspace?: { dependencies?: string[] };
}

async function graphPackages(): Promise<Set<string>> {
  const packages = new Set<string>();
  // `deno info` takes one module at a time.
  for (const entry of ENTRIES) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const info = JSON.parse(new TextDecoder().decode(stdout)) as {
      npmPackages?: Record<string, unknown>;
    };
    for (const name of Object.keys(info.npmPackages ?? {})) packages.add(name);
  }
  return packages;
}

Deno.test("the root deno.lock holds only the npm packages the library, the CLI and the demo import", async () => {
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}deno.lock`)) as Lock;
  const locked = new Set(Object.keys(lock.npm ?? {}));
  const needed = await graphPackages();
  assert.deepEqual(
    [...locked].sort(),
    [...needed].sort(),
    "deno.lock's npm packages differ from what mod.ts, the stores, the CLI and the demo import: " +
      "a test-only package belongs in tests/deno.lock (run tests with --lock=tests/deno.lock)",
  );
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
    imports: Record<string, string>;
  };
  for (const [name, target] of Object.entries(config.imports)) {
    assert.ok(
      !target.startsWith("npm:") ||
        [...needed].some((p) => target.startsWith(`npm:${p.replace(/@[^@]+$/, "")}@`)),
      `deno.json imports "${name}" (${target}), which the library, CLI and demo do not use: ` +
        "import test-only packages with an npm: specifier where they are used",
    );
  }
});

Deno.test("tests/deno.lock also holds what the library imports, so the suite uses the same versions", async () => {
  const root = JSON.parse(await Deno.readTextFile(`${ROOT}deno.lock`)) as Lock;
  const tests = JSON.parse(await Deno.readTextFile(`${ROOT}tests/deno.lock`)) as Lock;
  for (const [specifier, version] of Object.entries(root.specifiers ?? {})) {
    assert.equal(
      tests.specifiers?.[specifier],
      version,
      `${specifier} differs between the two locks`,
    );
  }
});
