/**
 * `dist/`, what the package's entry points run (scripts/build.ts): it is what the sources build to,
 * every entry exports what its TypeScript source exports, a module shared by two entries exists once
 * (so `instanceof` holds across `@authfetch/authfetch` and `@authfetch/authfetch/file`), and what loads
 * with `import()` in the sources still does. The built code's behaviour is covered by the doc tests
 * (their examples import `@authfetch/authfetch`, which resolves to `dist/`) and by the client-credentials
 * call against Python's wsgiref in tests/lazy_jose_test.ts.
 */
import assert from "node:assert/strict";
import { build, DENO_VERSION, differences, ENTRIES, files } from "../scripts/build.ts";

const root = new URL("../", import.meta.url);

Deno.test({
  name: "dist/ is what the sources build to (run `deno task build` after changing src/)",
  ignore: Deno.version.deno !== DENO_VERSION,
  fn: async () => {
    const built = await build();
    try {
      assert.deepEqual(await differences(built), [], "dist/ is stale: run `deno task build`");
    } finally {
      await Deno.remove(built, { recursive: true });
    }
  },
});

Deno.test("deno.json's exports are the built entries, each typed by its TypeScript source", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const exported = Object.values(config.exports as Record<string, string>).map((p) =>
    p.replace(/^\.\//, "")
  );
  assert.deepEqual(exported.sort(), ENTRIES.map((e) => e.built).sort());
  for (const { source, built } of ENTRIES) {
    const first = (await Deno.readTextFile(new URL(built, root))).split("\n", 1)[0];
    const types = /^\/\/ @ts-self-types="([^"]+)"$/.exec(first)?.[1];
    assert.ok(types !== undefined, `${built} names its types`);
    assert.equal(new URL(types, new URL(built, root)).href, new URL(source, root).href);
  }
});

Deno.test("every built entry exports exactly what its source exports", async () => {
  for (const { source, built } of ENTRIES) {
    const fromSource = Object.keys(await import(new URL(source, root).href)).sort();
    const fromBuilt = Object.keys(await import(new URL(built, root).href)).sort();
    assert.ok(fromSource.length > 0, `${source} exports something`);
    assert.deepEqual(fromBuilt, fromSource, built);
  }
});

Deno.test("each source module is bundled once across all entries and chunks", async () => {
  const seen = new Map<string, string[]>();
  const dist = new URL("dist/", root);
  for (const path of await files(dist.pathname)) {
    const code = await Deno.readTextFile(new URL(path, dist));
    // deno bundle (esbuild) marks where each module's code starts with a `// path` comment
    for (const match of code.matchAll(/^\/\/ ((?:mod|src\/\S+)\.ts)$/gm)) {
      // (a module whose imports esbuild hoisted is marked twice in the same file)
      const where = seen.get(match[1]) ?? [];
      if (!where.includes(path)) seen.set(match[1], [...where, path]);
    }
  }
  assert.ok(seen.has("src/pipeline.ts") && seen.has("src/errors.ts"), "markers are found");
  const twice = [...seen].filter(([, where]) => where.length > 1);
  assert.deepEqual(twice, [], "a module in two files would make two copies of its classes");
});

/** The files a built file imports statically (not `import()`), transitively, and its bare imports. */
async function staticClosure(entry: URL): Promise<{ files: Set<string>; bare: Set<string> }> {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = async (url: URL) => {
    if (files.has(url.href)) return;
    files.add(url.href);
    const code = await Deno.readTextFile(url);
    const imports = code.matchAll(
      /^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)";|^import\s*"([^"]+)";/gms,
    );
    for (const match of imports) {
      const specifier = match[1] ?? match[2];
      if (specifier.startsWith(".")) await visit(new URL(specifier, url));
      else bare.add(specifier);
    }
  };
  await visit(entry);
  return { files, bare };
}

Deno.test("dist/mod.js loads jose, the store half, JWT client assertions and failure errors only with import()", async () => {
  const dist = new URL("dist/", root);
  const { files: loaded, bare } = await staticClosure(new URL("mod.js", dist));
  assert.deepEqual([...bare], [], "no package is imported statically");
  assert.ok([...loaded].some((href) => href.includes("/chunk-")), "the closure follows the chunks");
  // where each module's code is: the file whose `// path` marker names it
  const home = new Map<string, string>();
  for (const path of await files(dist.pathname)) {
    const code = await Deno.readTextFile(new URL(path, dist));
    for (const match of code.matchAll(/^\/\/ (src\/\S+\.ts)$/gm)) {
      home.set(match[1], new URL(path, dist).href);
    }
  }
  for (
    const lazy of [
      "src/tokens/store_refresh.ts",
      "src/oauth/client_assertion.ts",
      "src/oauth/exchange_errors.ts",
    ]
  ) {
    assert.ok(home.has(lazy), `${lazy} is bundled`);
    assert.ok(!loaded.has(home.get(lazy)!), `${lazy} is loaded before it is needed`);
  }
  assert.ok(loaded.has(home.get("src/grants/client_credentials.ts")!), "the path itself is loaded");
});

Deno.test("dist/src/client_credentials.js loads only the client-credentials path: errors, redaction, the retry loop and jose come with import()", async () => {
  const dist = new URL("dist/", root);
  const { files: loaded, bare } = await staticClosure(new URL("src/client_credentials.js", dist));
  assert.deepEqual([...bare], [], "no package is imported statically");
  const modules = new Set<string>();
  for (const href of loaded) {
    const code = await Deno.readTextFile(new URL(href));
    for (const match of code.matchAll(/^\/\/ (src\/\S+\.ts)$/gm)) modules.add(match[1]);
  }
  for (
    const path of [
      "src/pipeline.ts",
      "src/handlers/auth.ts",
      "src/handlers/retry.ts",
      "src/tokens/source.ts",
      "src/grants/client_credentials.ts",
      "src/oauth/token_request.ts",
      "src/tokens/token_read.ts",
    ]
  ) assert.ok(modules.has(path), `${path} is loaded`);
  for (
    const path of [
      "src/errors.ts",
      "src/secrets.ts",
      "src/redact.ts",
      "src/platform_error.ts",
      "src/tokens/token.ts",
      "src/handlers/retry_loop.ts",
      "src/handlers/refresh_on_401.ts",
      "src/handlers/www_authenticate.ts",
      "src/replay.ts",
      "src/oauth/exchange_errors.ts",
      "src/oauth/client_assertion.ts",
      "src/oauth/discovery.ts",
      "src/tokens/store_refresh.ts",
      "src/lazy_jose.ts",
      "src/jose_api.ts",
      "src/redirect.ts",
      "src/read_stream.ts",
      "src/oauth/endpoint_retry.ts",
      "src/oauth/signed_exchange.ts",
      "src/oauth/discovered_endpoint.ts",
    ]
  ) assert.ok(!modules.has(path), `${path} is loaded before it is needed`);
});

Deno.test("the built CLI entry runs as a program (`deno run jsr:@authfetch/authfetch/cli`)", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-lock",
      "--allow-env",
      new URL("dist/src/cli/main.js", root).pathname,
      "--help",
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.match(new TextDecoder().decode(stdout), /^Usage: authfetch COMMAND/m);
});
