/**
 * Bundle size of the client-credentials path (`createFetch, retry, auth, tokenSource,
 * clientCredentials` from mod.ts): `deno bundle --minify --platform browser`, then gzip (level 9 where
 * `gzip` is installed, else the platform's `CompressionStream`). Printed with jose external (the
 * library's own code) and with jose bundled in (everything a browser downloads).
 *
 * Run: `deno run -A bench/bundle_size.ts`.
 *
 * @module
 */

const root = new URL("../", import.meta.url);
const EXPORTS = ["auth", "clientCredentials", "createFetch", "retry", "tokenSource"];
const TARGET = 4 * 1024;

async function gzipSize(bytes: Uint8Array): Promise<number> {
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

async function measure(externalJose: boolean): Promise<{ minified: number; gzip: number }> {
  const dir = await Deno.makeTempDir();
  try {
    const entry = `${dir}/entry.ts`;
    await Deno.writeTextFile(
      entry,
      `export { ${EXPORTS.join(", ")} } from ${JSON.stringify(new URL("mod.ts", root).href)};\n`,
    );
    const out = `${dir}/out.js`;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--minify",
        "--platform",
        "browser",
        "--format",
        "esm",
        ...(externalJose ? ["--external", "jose"] : []),
        "--config",
        new URL("deno.json", root).pathname,
        "-o",
        out,
        entry,
      ],
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
    const bytes = await Deno.readFile(out);
    return { minified: bytes.length, gzip: await gzipSize(bytes) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const own = await measure(true);
const whole = await measure(false);
console.log(`bundle size: ${EXPORTS.join(", ")} (deno bundle --minify, gzip -9)`);
console.log(
  `  authfetch code, jose external: ${kb(own.minified)} minified, ${kb(own.gzip)} gzip ` +
    `(target ≤ ${kb(TARGET)}: ${own.gzip <= TARGET ? "met" : "not met"})`,
);
console.log(
  `  with jose bundled:             ${kb(whole.minified)} minified, ${kb(whole.gzip)} gzip`,
);
