/**
 * Deno Deploy / edge readiness of the core: the module graphs of mod.ts, of the built dist/mod.js and of dist/src/client_credentials.js
 * (what the package's entry runs) have no `node:` import and no module that uses `Deno.*`, and the
 * client-credentials path, imported as `@authfetch/authfetch`, runs in a Worker that may reach
 * 127.0.0.1 and nothing else (no read, write, env, run, ffi or sys permission).
 */
import assert from "node:assert/strict";
import { startTokenServer } from "../peers/token_server.ts";

const root = new URL("../../", import.meta.url);

interface InfoModule {
  specifier: string;
  local?: string;
  dependencies?: {
    specifier: string;
    code?: { specifier: string };
    type?: { specifier: string };
  }[];
}

async function denoInfo(args: string[]): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", ...args],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** The source without comments, so documentation may mention `Deno.*` (as in examples). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

for (
  const [entry, least] of [
    ["mod.ts", 20],
    ["dist/mod.js", 3],
    ["dist/src/client_credentials.js", 3],
  ] as const
) {
  Deno.test(`the module graph of ${entry} has no node: import and no Deno.* use`, async () => {
    const info = await denoInfo([entry]);
    const modules = info.modules as InfoModule[];
    const specifiers = new Set<string>();
    for (const module of modules) {
      specifiers.add(module.specifier);
      for (const dep of module.dependencies ?? []) {
        specifiers.add(dep.specifier);
        if (dep.code) specifiers.add(dep.code.specifier);
      }
    }
    assert.deepEqual([...specifiers].filter((s) => s.startsWith("node:")), []);

    const local = modules.filter((m) => m.specifier.startsWith("file:"));
    assert.ok(local.length > least, `expected the whole core, got ${local.length} modules`);
    const usingDeno = local.filter((m) => /\bDeno\s*\./.test(code(Deno.readTextFileSync(m.local!))))
      .map((m) => m.specifier);
    assert.deepEqual(usingDeno, []);

    // The only npm package is jose (web-platform only: Web Crypto), and none of its files use node: or
    // Deno.*.
    const npm = modules.filter((m) => m.specifier.startsWith("npm:")).map((m) => m.specifier);
    assert.equal(npm.length, 1);
    assert.match(npm[0], /^npm:\/jose@6\./);
    const version = npm[0].slice("npm:/jose@".length);
    const { npmCache } = await denoInfo([]);
    const packageDir = `${npmCache}/registry.npmjs.org/jose/${version}`;
    const manifest = JSON.parse(Deno.readTextFileSync(`${packageDir}/package.json`));
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}), []);
    const offending: string[] = [];
    const walk = (dir: string) => {
      for (const entry of Deno.readDirSync(dir)) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory) walk(path);
        else if (entry.name.endsWith(".js")) {
          const source = code(Deno.readTextFileSync(path));
          if (/["']node:|\bDeno\s*\.|require\(/.test(source)) offending.push(path);
        }
      }
    };
    walk(`${packageDir}/dist/webapi`);
    assert.deepEqual(offending, []);
  });
}

Deno.test("the core runs in a Worker allowed only net to 127.0.0.1", async () => {
  const server = startTokenServer();
  const worker = new Worker(new URL("./_edge_worker.ts", import.meta.url), {
    type: "module",
    deno: {
      permissions: {
        net: ["127.0.0.1"],
        read: false,
        write: false,
        env: false,
        run: false,
        ffi: false,
        sys: false,
        import: false,
      },
    },
  });
  try {
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
    });
    worker.postMessage({ tokenUrl: server.tokenUrl, apiUrl: `${server.origin}/api/orders` });
    const result = await reply;
    assert.equal(result.error, undefined, String(result.error));
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { ok: true, subject: "client", path: "/api/orders" });
    for (const [name, state] of Object.entries(result.permissions as Record<string, string>)) {
      assert.notEqual(state, "granted", `the worker has ${name} permission`);
    }
    assert.equal(server.stats.grants.client_credentials, 1);
  } finally {
    worker.terminate();
    await server.close();
  }
});
