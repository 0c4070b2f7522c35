import assert from "node:assert/strict";

// The project rule: every exported symbol has JSDoc with an `@example` (which `deno test --doc`
// type-checks and runs). This test keeps it enforced for everything reachable from the entry points.

const root = new URL("../", import.meta.url);

interface DocDeclaration {
  kind: string;
  location?: { filename: string; line: number };
  jsDoc?: { tags?: { kind: string }[] };
}

interface DocNode {
  symbols?: { name: string; declarations?: DocDeclaration[] }[];
}

/** The entry points: every path in deno.json `exports`. */
async function entryPoints(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  return Object.values(config.exports as Record<string, string>);
}

Deno.test("every exported declaration of the entry points has JSDoc with an @example", async () => {
  const entries = await entryPoints();
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...entries],
    cwd: root,
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, `deno doc failed:\n${new TextDecoder().decode(stderr)}`);
  const doc = JSON.parse(new TextDecoder().decode(stdout)) as { nodes: Record<string, DocNode> };

  const missing: string[] = [];
  let checked = 0;
  // A symbol two entry points export is declared under one of them; the other holds a reference.
  const declared = new Set<string>();
  const referenced = new Set<string>();
  for (const [entry, node] of Object.entries(doc.nodes)) {
    for (const symbol of node.symbols ?? []) {
      for (const declaration of symbol.declarations ?? []) {
        if (declaration.kind === "import" || declaration.kind === "moduleDoc") continue;
        if (declaration.kind === "reference") {
          referenced.add(symbol.name);
          continue;
        }
        declared.add(symbol.name);
        checked++;
        if (declaration.jsDoc?.tags?.some((tag) => tag.kind === "example")) continue;
        const { filename = entry, line = 0 } = declaration.location ?? {};
        const where = `${filename.replace(root.href, "")}:${line}`;
        missing.push(`${symbol.name} (${declaration.kind}) at ${where}`);
      }
    }
  }
  const unresolved = [...referenced].filter((name) => !declared.has(name));
  assert.deepEqual(unresolved, [], "references to declarations no entry point holds");
  assert.deepEqual(
    missing,
    [],
    `${missing.length} exported declarations lack an @example:\n  ${missing.join("\n  ")}`,
  );
  assert.ok(
    checked > 100,
    `only ${checked} declarations found: is deno doc's output still parsed?`,
  );
});
