/**
 * Bundle size of the client-credentials path (`createFetch, retry, auth, tokenSource,
 * clientCredentials`, imported from mod.ts and from the client-credentials entry point,
 * src/client_credentials.ts): `deno bundle --minify --platform browser --code-splitting`, then
 * gzip (level 9 where `gzip` is installed, else the platform's `CompressionStream`), each file on its
 * own as a browser downloads it.
 *
 * Code the client-credentials path does not run (JWT client assertions, discovery's fetching) is loaded
 * with `import()` and lands in chunks of its own. What that path loads is the entry chunk plus the chunks
 * it imports statically (the "initial load"); the initial load with jose external (the library's own
 * code) is the number compared to the DESIGN.md §7 target. Also printed: all chunks, the same with jose
 * bundled in (everything a browser downloads), and the single-file bundle without code splitting.
 *
 * Run: `deno run -A bench/bundle_size.ts`.
 *
 * @module
 */

const root = new URL("../", import.meta.url);
const EXPORTS = ["auth", "clientCredentials", "createFetch", "retry", "tokenSource"];
const TARGET = 4 * 1024;

/**
 * The gzip size of some bytes: `gzip -9` where installed, else `CompressionStream`.
 *
 * @param bytes The bytes.
 * @returns The compressed length.
 */
export async function gzipSize(bytes: Uint8Array): Promise<number> {
  try {
    const child = new Deno.Command("gzip", { args: ["-9", "-c"], stdin: "piped", stdout: "piped" })
      .spawn();
    const writer = child.stdin.getWriter();
    await writer.write(bytes);
    await writer.close();
    return (await child.output()).stdout.length;
  } catch {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
      new CompressionStream("gzip"),
    );
    return (await new Response(stream).arrayBuffer()).byteLength;
  }
}

/** A set of bundled files. */
export interface Size {
  /** Number of files. */
  files: number;
  /** Minified bytes. */
  minified: number;
  /** Sum of each file's gzip size. */
  gzip: number;
}

/** What {@linkcode measureBundle} reports. */
export interface Measured {
  /** The entry chunk alone. */
  entry: Size;
  /** The entry chunk and every chunk it imports statically, transitively. */
  initial: Size;
  /** Every chunk, including those only loaded with `import()`. */
  all: Size;
}

async function sizeOf(dir: string, names: Iterable<string>): Promise<Size> {
  const size: Size = { files: 0, minified: 0, gzip: 0 };
  for (const name of names) {
    const bytes = await Deno.readFile(`${dir}/${name}`);
    size.files++;
    size.minified += bytes.length;
    size.gzip += await gzipSize(bytes);
  }
  return size;
}

/** The static imports (`import … from "./x.js"`, `import "./x.js"`) of a bundled chunk; not `import()`. */
function staticImports(code: string): string[] {
  const found = code.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([^"']+\.js)["']/g);
  return [...found].map((m) => m[1]);
}

/**
 * Bundles a module (`deno bundle --minify --platform browser`) and measures it.
 *
 * @param source The entry module's code, such as `export { x } from "npm:pkg@^1"`.
 * @param externalJose Leave jose out (`--external jose`).
 * @param split Code splitting: `import()` targets become chunks of their own.
 * @returns The entry chunk, the initial load and all chunks.
 */
export async function measureBundle(
  source: string,
  externalJose: boolean,
  split: boolean,
): Promise<Measured> {
  const dir = await Deno.makeTempDir();
  try {
    const entry = `${dir}/entry.ts`;
    await Deno.writeTextFile(entry, source);
    const out = `${dir}/out`;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--minify",
        "--platform",
        "browser",
        "--format",
        "esm",
        ...(externalJose ? ["--external", "jose"] : []),
        ...(split ? ["--code-splitting", "--outdir", out] : ["-o", `${out}/entry.js`]),
        "--config",
        new URL("deno.json", root).pathname,
        // The peers' packages are bench-only: never written to the root lock (bench/compare.ts
        // itself imports them under tests/deno.lock).
        "--no-lock",
        entry,
      ],
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
    const initial = new Set<string>();
    const visit = async (name: string) => {
      if (initial.has(name)) return;
      initial.add(name);
      for (const imported of staticImports(await Deno.readTextFile(`${out}/${name}`))) {
        await visit(imported);
      }
    };
    await visit("entry.js");
    const all = [...Deno.readDirSync(out)].filter((e) => e.name.endsWith(".js")).map((e) => e.name);
    return {
      entry: await sizeOf(out, ["entry.js"]),
      initial: await sizeOf(out, initial),
      all: await sizeOf(out, all),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const show = (s: Size) =>
    `${kb(s.minified)} minified, ${kb(s.gzip)} gzip = ${s.gzip} B (${s.files} file${
      s.files === 1 ? "" : "s"
    })`;
  const entries = [
    { name: "mod.ts (`@authfetch/authfetch`)", module: "mod.ts" },
    {
      name: "src/client_credentials.ts (`@authfetch/authfetch/client-credentials`)",
      module: "src/client_credentials.ts",
    },
  ];
  console.log(
    `bundle size: ${EXPORTS.join(", ")} (deno bundle --minify --code-splitting, gzip -9 per file)`,
  );
  for (const { name, module } of entries) {
    const entrySource = `export { ${EXPORTS.join(", ")} } from ${
      JSON.stringify(new URL(module, root).href)
    };\n`;
    const own = await measureBundle(entrySource, true, true);
    const whole = await measureBundle(entrySource, false, true);
    const single = await measureBundle(entrySource, true, false);
    console.log(`from ${name}:`);
    console.log(
      `  authfetch code, jose external: initial load ${show(own.initial)} ` +
        `(target ≤ ${kb(TARGET)}: ${own.initial.gzip <= TARGET ? "met" : "not met"})`,
    );
    console.log(`    entry chunk alone:           ${show(own.entry)}`);
    console.log(`    all chunks, lazy ones too:   ${show(own.all)}`);
    console.log(
      `  with jose bundled:             initial load ${show(whole.initial)} ` +
        `(target ≤ 8.0 KB: ${whole.initial.gzip <= 8 * 1024 ? "met" : "not met"})`,
    );
    console.log(`    all chunks, lazy ones too:   ${show(whole.all)}`);
    console.log(`  one file, no code splitting, jose external: ${show(single.entry)}`);
  }
}
