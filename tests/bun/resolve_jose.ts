/**
 * A Bun plugin, preloaded by bunfig.toml. The core imports the bare specifier `jose` (Deno maps it in
 * deno.json); the core lives outside this directory, so Bun would look for `node_modules` beside it.
 * This rewrites `"jose"` (static imports and `import("jose")`) in the core's source files to tests/bun/node_modules/jose (installed from
 * package.json). It uses `onLoad` because Bun's runtime `onResolve` does not fire for bare specifiers
 * (oven-sh/bun#40579).
 *
 * @module
 */
import { plugin } from "bun";
import { resolve, sep } from "node:path";

const jose = Bun.resolveSync("jose", import.meta.dir);
const root = resolve(import.meta.dir, "..", "..");
const core = new RegExp(
  `^${root.replaceAll(sep, "\\/")}\\/(mod\\.ts|src\\/.*\\.ts)$`,
);

plugin({
  name: "jose from tests/bun/node_modules",
  setup(build) {
    build.onLoad({ filter: core }, async ({ path }) => ({
      contents: (await Bun.file(path).text()).replaceAll(
        /(from |import\()"jose"/g,
        (_, before) => `${before}${JSON.stringify(jose)}`,
      ),
      loader: "ts",
    }));
  },
});
