/**
 * Compile hints for the chunk a first call runs: rewrites built JavaScript so that V8 compiles its
 * functions when the module is compiled, not when each is first called.
 *
 * Why: V8 compiles a function lazily, on its first call, unless the function literal follows an
 * opening parenthesis (its "PIFE" heuristic: a parenthesized function is probably called at once).
 * Deno keeps a module's V8 code cache from the module's compilation, so a lazily compiled function is
 * compiled again by every process, while an eagerly compiled one is read back from the cache. The
 * client-credentials path's first call ran 77 functions of its chunk for the first time; compiling
 * them was about 4.6 M of the process's 115 M instructions (docs/cold_start.md, "Round seven").
 *
 * Two rewrites, each one that leaves what the code does unchanged:
 *
 * - a function expression that is not parenthesized gets parentheses (`async function auth(…) {…}`
 *   as a returned value becomes `(async function auth(…) {…})`);
 * - in a module with no static imports, a top-level function declaration `function f(…) {…}` becomes
 *   `var f = (function f(…) {…});`. A declaration is hoisted and a `var` is not, so this is done only
 *   for a function that no code run while the module evaluates can reach: code at the top level
 *   (outside function bodies) names it neither directly nor through another function it names. A
 *   module with no static imports is evaluated before any module that imports it, so every such
 *   `var` holds its function before anything outside can call it. A function that is assigned to
 *   anywhere is left alone.
 *
 * Class methods, object methods and arrow functions cannot be marked this way and stay lazy.
 *
 * @module
 */

import { parse } from "npm:acorn@^8.15.0";

// deno-lint-ignore no-explicit-any
type Node = any;

/** What {@linkcode hintEagerCompilation} did to one file. */
export interface Hinted {
  /** The rewritten code. */
  code: string;
  /** Top-level function declarations turned into parenthesized expressions. */
  declarations: number;
  /** Nested function expressions given parentheses. */
  expressions: number;
  /** Top-level function declarations left as they were, because module evaluation reaches them. */
  kept: string[];
}

const FUNCTION = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

/** The child nodes of an ESTree node. */
function children(node: Node): Node[] {
  const found: Node[] = [];
  for (const key of Object.keys(node)) {
    if (key === "type" || key === "start" || key === "end") continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (item && typeof item.type === "string") found.push(item);
    } else if (value && typeof value.type === "string") {
      found.push(value);
    }
  }
  return found;
}

/** Names of identifiers under a node, not descending into function bodies when `shallow`. */
function names(node: Node, shallow: boolean, into: Set<string>): Set<string> {
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current.type === "Identifier") into.add(current.name);
    if (shallow && current !== node && FUNCTION.has(current.type)) {
      // a declaration's own name is a binding, not a use; its body runs only when called
      continue;
    }
    if (shallow && (current.type === "MethodDefinition")) {
      if (current.computed) stack.push(current.key);
      continue;
    }
    stack.push(...children(current));
  }
  return into;
}

/** Names that are assigned to (`f = …`, `f++`) anywhere in the program. */
function assigned(program: Node): Set<string> {
  const found = new Set<string>();
  const stack = [program];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current.type === "AssignmentExpression" && current.left.type === "Identifier") {
      found.add(current.left.name);
    }
    if (current.type === "UpdateExpression" && current.argument.type === "Identifier") {
      found.add(current.argument.name);
    }
    stack.push(...children(current));
  }
  return found;
}

/**
 * Rewrites one built module so that V8 compiles its functions eagerly (see the module's doc).
 *
 * @param code The module's JavaScript, as `deno bundle` wrote it.
 * @returns The rewritten code and what was changed.
 * @throws {SyntaxError} When the code does not parse as a module.
 */
export function hintEagerCompilation(code: string): Hinted {
  const program = parse(code, {
    ecmaVersion: "latest",
    sourceType: "module",
    preserveParens: true,
  });
  const edits: { at: number; text: string }[] = [];
  const leaf = !program.body.some((statement: Node) =>
    statement.type === "ImportDeclaration" ||
    ((statement.type === "ExportNamedDeclaration" || statement.type === "ExportAllDeclaration") &&
      statement.source)
  );

  // Top-level declarations, and which of them module evaluation can reach.
  const declared = new Map<string, Node>();
  for (const statement of program.body) {
    if (statement.type === "FunctionDeclaration" && statement.id) {
      declared.set(statement.id.name, statement);
    }
  }
  const reached = new Set<string>();
  const pending: string[] = [];
  for (const statement of program.body) {
    // a declaration runs nothing; `export { f }` names without running
    if (statement.type === "FunctionDeclaration") continue;
    if (statement.type === "ExportNamedDeclaration" && !statement.declaration) continue;
    for (const name of names(statement, true, new Set())) {
      if (declared.has(name) && !reached.has(name)) {
        reached.add(name);
        pending.push(name);
      }
    }
  }
  while (pending.length > 0) {
    const used = names(declared.get(pending.pop()!)!.body, false, new Set());
    for (const name of used) {
      if (declared.has(name) && !reached.has(name)) {
        reached.add(name);
        pending.push(name);
      }
    }
  }
  const reassigned = assigned(program);

  let declarations = 0;
  const kept: string[] = [];
  const converted = new Set<Node>();
  for (const [name, declaration] of declared) {
    if (!leaf || reached.has(name) || reassigned.has(name)) {
      kept.push(name);
      continue;
    }
    edits.push({ at: declaration.start, text: `var ${name} = (` });
    edits.push({ at: declaration.end, text: ");" });
    converted.add(declaration);
    declarations++;
  }

  // Nested function expressions that are not parenthesized yet.
  let expressions = 0;
  const stack: { node: Node; parent: Node | undefined }[] = [{ node: program, parent: undefined }];
  while (stack.length > 0) {
    const { node, parent } = stack.pop()!;
    if (
      node.type === "FunctionExpression" &&
      parent?.type !== "ParenthesizedExpression" &&
      parent?.type !== "MethodDefinition" &&
      !(parent?.type === "Property" && (parent.method || parent.kind !== "init"))
    ) {
      edits.push({ at: node.start, text: "(" });
      edits.push({ at: node.end, text: ")" });
      expressions++;
    }
    for (const child of children(node)) stack.push({ node: child, parent: node });
  }

  // Applied from the end, so earlier offsets stay valid. Text inserted later at one offset lands
  // before text inserted there earlier, so at one offset the opening text is inserted first and a
  // closing one (which belongs to a function that ends there) lands before it.
  edits.sort((a, b) => b.at - a.at || (a.text.startsWith(")") ? 1 : -1));
  let out = code;
  for (const { at, text } of edits) out = out.slice(0, at) + text + out.slice(at);
  return { code: out, declarations, expressions, kept };
}

/**
 * The modules a built module imports statically (`import … from`, `export … from`), as written.
 *
 * @param code The module's JavaScript.
 * @returns The specifiers, in order.
 * @throws {SyntaxError} When the code does not parse as a module.
 */
export function staticImports(code: string): string[] {
  const program = parse(code, { ecmaVersion: "latest", sourceType: "module" });
  return program.body.flatMap((statement: Node) =>
    (statement.type === "ImportDeclaration" || statement.type === "ExportNamedDeclaration" ||
        statement.type === "ExportAllDeclaration") && statement.source
      ? [statement.source.value as string]
      : []
  );
}
