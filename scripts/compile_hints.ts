/**
 * Compile hints for the chunk a first call runs: rewrites built JavaScript so that V8 compiles its
 * functions when the module is compiled, not when each is first called.
 *
 * Why: V8 compiles a function lazily, on its first call, unless the function literal follows an
 * opening parenthesis (its "PIFE" heuristic: a parenthesized function is probably called at once).
 * Deno keeps a module's V8 code cache from the module's compilation, so a lazily compiled function is
 * compiled again by every process, while an eagerly compiled one is read back from the cache. The
 * client-credentials path's first call ran 77 functions of its chunk for the first time; compiling
 * them lazily cost about 6 M of the process's 124 M instructions (`bench/compile_hints.ts`).
 *
 * Four rewrites, each leaving what the code does unchanged:
 *
 * - a function expression that is not parenthesized gets parentheses (`async function auth(…) {…}`
 *   as a returned value becomes `(async function auth(…) {…})`);
 * - an arrow function that does not use `this`, `arguments`, `super` or `new.target` becomes a
 *   parenthesized function expression (`(x) => x + 1` becomes `(function (x) { return x + 1; })`).
 *   Arrows cannot be marked otherwise. What differs is only what an arrow lacks: the result can be
 *   called with `new` and has a `prototype`; the library does neither;
 * - in a module with no static imports, a top-level function declaration `function f(…) {…}` becomes
 *   `var f = (function f(…) {…});`. A declaration is hoisted and a `var` is not, so this is done only
 *   for a function that nothing run while the module evaluates can reach: top-level code (including
 *   the bodies of every arrow, expression, method and class it holds, since top-level code may call
 *   them) names it neither directly nor through another declared function. A module with no static
 *   imports is evaluated before any module that imports it, so every such `var` holds its function
 *   before anything outside can call it. A function that is assigned to anywhere is left alone.
 *
 * - a private method of a top-level class, `#name(…) {…}`, becomes a static block in the same place,
 *   `static { name$ = (function name(self$, …) {…}); }`, with `this` in its body and arrows read
 *   from `self$`, and each call `x.#name(…)` becomes `name$(x, …)`. A method cannot be marked, and a
 *   function outside the class body could not read the private fields; a function written inside
 *   it can. The class's static blocks run when the class is defined, so every holder is set before
 *   an instance exists. What differs: the function is not a method (no home object, so a method
 *   that uses `super`, `new.target` or `arguments` stays), and a call no longer checks the
 *   receiver's brand before the body runs (its first `self$.#field` read still does); rules in
 *   {@linkcode movePrivateMethods}.
 *
 * Public methods, constructors and accessors cannot be marked and stay lazy.
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
  /** Arrow functions turned into parenthesized function expressions. */
  arrows: number;
  /** Top-level function declarations left as they were, because module evaluation reaches them. */
  kept: string[];
  /** Private methods moved into static blocks, by name (without `#`). */
  privateMethods: string[];
}

/** An insertion (`end === start`) or a replacement of `code.slice(start, end)`. */
interface Edit {
  start: number;
  end: number;
  text: string;
  /** Opening text (before a node's inner edits at the same offset) or closing text (after). */
  side: "open" | "close";
  /** How deeply the node the edit belongs to is nested: orders edits that share an offset. */
  depth: number;
}

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

/** Every node under `node`, itself included, not descending into nodes `skip` accepts. */
function* walk(node: Node, skip: (node: Node) => boolean = () => false): Generator<Node> {
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    yield current;
    for (const child of children(current)) if (!skip(child)) stack.push(child);
  }
}

/** Names of the identifiers under a node, in nested functions of every kind too. */
function names(node: Node): Set<string> {
  const found = new Set<string>();
  for (const current of walk(node)) if (current.type === "Identifier") found.add(current.name);
  return found;
}

/** Names that are assigned to (`f = …`, `f++`) anywhere in the program. */
function assigned(program: Node): Set<string> {
  const found = new Set<string>();
  for (const current of walk(program)) {
    if (current.type === "AssignmentExpression" && current.left.type === "Identifier") {
      found.add(current.left.name);
    }
    if (current.type === "UpdateExpression" && current.argument.type === "Identifier") {
      found.add(current.argument.name);
    }
  }
  return found;
}

/** Whether a node binds its own `this`: a nested function or method (and `arguments`), a class body. */
function bindsOwnThis(node: Node): boolean {
  return node.type === "FunctionExpression" || node.type === "FunctionDeclaration" ||
    node.type === "ClassBody";
}

/** Whether an arrow function uses what a function expression would bind differently. */
function usesOwnBindings(arrow: Node, rebound: Set<Node> = new Set()): boolean {
  for (const current of walk(arrow, bindsOwnThis)) {
    if (current.type === "ThisExpression" && !rebound.has(current)) return true;
    if (current.type === "Super") return true;
    if (current.type === "MetaProperty") return true;
    if (current.type === "Identifier" && current.name === "arguments") return true;
  }
  return false;
}

/** Whether a node holds a function of any kind (its edits would fall inside a replaced range). */
function holdsFunction(node: Node): boolean {
  for (const current of walk(node)) {
    if (current.type.includes("Function") || current.type === "ClassExpression") return true;
  }
  return false;
}

/** Applies edits that do not overlap, ordering those at one offset by side and depth. */
function apply(code: string, edits: Edit[]): string {
  const rank = (e: Edit) => e.side === "close" ? -1e6 - e.depth : e.depth;
  edits.sort((a, b) => a.start - b.start || rank(a) - rank(b));
  let out = "";
  let cursor = 0;
  for (const edit of edits) {
    if (edit.start < cursor) throw new Error(`compile hints: overlapping edits at ${edit.start}`);
    out += code.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return out + code.slice(cursor);
}

/** Unwraps `(…)`. */
function unparenthesized(node: Node): Node {
  while (node.type === "ParenthesizedExpression") node = node.expression;
  return node;
}

/**
 * Which top-level function declarations code run while the module evaluates might call.
 *
 * Each top-level binding has "deferred" parts that run only when the binding's value is used: a
 * function's body, the methods and instance fields of a class, the function-valued properties of an
 * object literal that is a binding's whole value. Everything else in a top-level statement runs as
 * the module evaluates (function literals in it included: a call there may run them). A binding that
 * running code names is reached, and so is every binding its deferred parts name, transitively.
 *
 * @returns The top-level function declarations by name, and the names reached.
 */
function reachedByEvaluation(program: Node): { declared: Map<string, Node>; reached: Set<string> } {
  const declared = new Map<string, Node>();
  const deferred = new Map<string, Node[]>();
  const running: Node[] = [];
  /** The deferred parts of a binding, which is known from now on even with none. */
  const partsOf = (name: string): Node[] => {
    if (!deferred.has(name)) deferred.set(name, []);
    return deferred.get(name)!;
  };
  const defer = (name: string, node: Node) => partsOf(name).push(node);
  const classParts = (name: string, node: Node) => {
    partsOf(name);
    if (node.superClass) running.push(node.superClass);
    for (const member of node.body.body) {
      if (member.computed) running.push(member.key);
      if (member.type === "MethodDefinition") defer(name, member.value);
      else if (member.type === "StaticBlock" || (member.value && member.static)) {
        running.push(member.type === "StaticBlock" ? member : member.value);
        // static code can reach the rest through `this` (`new this()`): the class counts as used
        running.push({ type: "Identifier", name });
      } else if (member.value) defer(name, member.value); // an instance field: runs on `new`
    }
  };
  const declaration = (node: Node) => {
    if (node.type === "FunctionDeclaration" && node.id) {
      declared.set(node.id.name, node);
      defer(node.id.name, node);
    } else if (node.type === "ClassDeclaration" && node.id) {
      classParts(node.id.name, node);
    } else if (node.type === "VariableDeclaration") {
      for (const { id, init } of node.declarations) {
        if (!init) continue;
        const value = unparenthesized(init);
        if (id.type !== "Identifier") running.push(init);
        else if (value.type === "FunctionExpression" || value.type === "ArrowFunctionExpression") {
          defer(id.name, value);
        } else if (value.type === "ClassExpression") classParts(id.name, value);
        else if (value.type === "ObjectExpression") {
          partsOf(id.name);
          for (const property of value.properties) {
            const inner = property.value && unparenthesized(property.value);
            if (property.computed || property.type !== "Property") running.push(property);
            else if (
              inner.type === "FunctionExpression" || inner.type === "ArrowFunctionExpression"
            ) defer(id.name, inner);
            else running.push(inner);
          }
        } else running.push(init);
      }
    } else {
      running.push(node);
    }
  };
  for (const statement of program.body) {
    // `export { f }` names without running anything
    if (statement.type === "ExportNamedDeclaration") {
      if (statement.declaration) declaration(statement.declaration);
    } else {
      declaration(statement);
    }
  }
  const reached = new Set<string>();
  const pending: string[] = [];
  const reach = (node: Node) => {
    for (const name of names(node)) {
      if (deferred.has(name) && !reached.has(name)) {
        reached.add(name);
        pending.push(name);
      }
    }
  };
  for (const node of running) reach(node);
  while (pending.length > 0) for (const node of deferred.get(pending.pop()!)!) reach(node);
  return { declared, reached };
}

/** A node with its parent and how deeply it is nested, as {@linkcode walkWithParents} yields it. */
interface Placed {
  node: Node;
  parent: Node | undefined;
  depth: number;
}

/** Every node under `node`, itself included, with its parent and depth. */
function* walkWithParents(node: Node): Generator<Placed> {
  const stack: Placed[] = [{ node, parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const placed = stack.pop()!;
    yield placed;
    for (const child of children(placed.node)) {
      stack.push({ node: child, parent: placed.node, depth: placed.depth + 1 });
    }
  }
}

/** The classes a module defines at its top level, each with the statement that holds it. */
function topLevelClasses(program: Node): { statement: Node; body: Node }[] {
  const found: { statement: Node; body: Node }[] = [];
  for (const statement of program.body) {
    const inner = statement.type === "ExportNamedDeclaration" || statement.type ===
        "ExportDefaultDeclaration"
      ? statement.declaration
      : statement;
    if (!inner) continue;
    if (inner.type === "ClassDeclaration") found.push({ statement, body: inner.body });
    if (inner.type === "VariableDeclaration") {
      for (const { init } of inner.declarations) {
        const value = init && unparenthesized(init);
        if (value?.type === "ClassExpression") found.push({ statement, body: value.body });
      }
    }
  }
  return found;
}

/** A fresh identifier: `base`, or `base` with a number, that no identifier in the module uses. */
function freshName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}${n}`;
  taken.add(name);
  return name;
}

/**
 * Whether a call is a link of an optional chain (`a?.b.#m()`): `a` nullish skips the call, which
 * `holder(a?.b)` would not.
 */
function inOptionalChain(call: Node, parents: Map<Node, Placed>): boolean {
  let link = parents.get(call)!;
  while (
    (link.parent?.type === "MemberExpression" && link.parent.object === link.node) ||
    (link.parent?.type === "CallExpression" && link.parent.callee === link.node)
  ) link = parents.get(link.parent)!;
  return link.parent?.type === "ChainExpression";
}

/** What the private-method rewrite found in a module: its edits, and the methods it moved. */
interface MovedMethods {
  edits: Edit[];
  moved: string[];
  /** The `this` expressions now read from `self$` (an arrow using only those can be rewritten). */
  rebound: Set<Node>;
}

/**
 * The edits that move the private methods of a module's top-level classes out of the class, so V8
 * can compile them with the module: `#name(…) {…}` becomes a static block that assigns
 * `(function name(self$, …) {…})` to a top-level `var`, with `this` in it (and in its arrows) read
 * from `self$`, and each call `x.#name(…)` becomes `name$(x, …)`. The function stays inside the
 * class body, so its `x.#field` reads still work. A method moves only when every use of its name is
 * such a call (not `x?.#name()`, not a link of an optional chain, not `#name in x`, not a value);
 * it uses none of `super`, `new.target`, `arguments` or a nested class; no nested class declares
 * the same private name; and the class has no static fields or blocks (which run while the class
 * is defined and might call it before its block has run).
 *
 * @param program The parsed module.
 * @param code Its source.
 * @param taken Every identifier the module uses; the holders' and `self` names are added to it.
 */
function movePrivateMethods(program: Node, code: string, taken: Set<string>): MovedMethods {
  const edits: Edit[] = [];
  const moved: string[] = [];
  const rebound = new Set<Node>();
  let self: string | undefined;
  // depths as the main rewrite counts them (from the program), which orders edits at one offset
  const parents = new Map<Node, Placed>();
  for (const placed of walkWithParents(program)) parents.set(placed.node, placed);
  for (const { statement, body } of topLevelClasses(program)) {
    if (body.body.some((m: Node) => m.static && m.type !== "MethodDefinition")) continue;
    if (body.body.some((m: Node) => m.type === "StaticBlock")) continue;
    const candidates = new Map<string, Node>();
    for (const member of body.body) {
      if (
        member.type !== "MethodDefinition" || member.static || member.kind !== "method" ||
        member.key.type !== "PrivateIdentifier"
      ) continue;
      // the method's own code, its parameters included (the root is walked, never skipped)
      const own = [...walk(member.value, bindsOwnThis)];
      // a nested class is left out too: its computed keys would read the method's `this`
      const binds = (n: Node) =>
        n.type === "Super" || n.type === "MetaProperty" || n.type === "ClassExpression" ||
        n.type === "ClassDeclaration" ||
        (n.type === "Identifier" && n.name === "arguments");
      if (own.some(binds)) continue;
      candidates.set(member.key.name, member);
    }
    if (candidates.size === 0) continue;
    // every use of each name, under the class body (a nested class's own #name disqualifies it)
    const calls = new Map<string, Placed[]>();
    for (const node of walk(body)) {
      const parent = parents.get(node)?.parent;
      if (node.type === "ClassBody" && node !== body) {
        for (const m of node.body) {
          if (m.key?.type === "PrivateIdentifier") candidates.delete(m.key.name);
        }
      }
      if (node.type !== "PrivateIdentifier" || !candidates.has(node.name)) continue;
      if (parent?.type === "MethodDefinition" && parent.key === node) continue;
      const call = parent?.type === "MemberExpression" && parent.property === node &&
          !parent.optional
        ? parents.get(parent)?.parent
        : undefined;
      if (
        call?.type !== "CallExpression" || call.callee !== parent || call.optional ||
        inOptionalChain(call, parents)
      ) {
        candidates.delete(node.name);
        continue;
      }
      calls.set(node.name, [...(calls.get(node.name) ?? []), parents.get(call)!]);
    }
    if (candidates.size === 0) continue;
    const holders: string[] = [];
    self ??= freshName("self$", taken);
    for (const [name, member] of candidates) {
      const holder = freshName(`${name}$`, taken);
      holders.push(holder);
      moved.push(name);
      const fn = member.value;
      // the function's own name must not hide a binding its body uses
      const own = names(fn).has(name) ? holder : name;
      const head = `static { ${holder} = (${fn.async ? "async " : ""}function${
        fn.generator ? "*" : ""
      } ${own}(${self}${fn.params.length > 0 ? ", " : ""}`;
      // `#name(` … up to the first parameter (or the closing parenthesis)
      const open = code.indexOf("(", member.key.end);
      edits.push({ start: member.start, end: open + 1, text: head, side: "open", depth: -1 });
      edits.push({ start: member.end, end: member.end, text: "); }", side: "close", depth: -1 });
      for (const node of walk(fn, bindsOwnThis)) {
        if (node.type === "ThisExpression") {
          rebound.add(node);
          edits.push({ start: node.start, end: node.end, text: self, side: "open", depth: 1e5 });
        }
      }
      for (const { node: call, depth } of calls.get(name) ?? []) {
        const receiver = call.callee.object;
        const paren = code.indexOf("(", call.callee.end);
        const rest = call.arguments.length > 0 ? ", " : "";
        edits.push({ start: call.start, end: call.start, text: `${holder}(`, side: "open", depth });
        edits.push({ start: receiver.end, end: paren + 1, text: rest, side: "open", depth: 1e5 });
      }
    }
    edits.push({
      start: statement.start,
      end: statement.start,
      text: `var ${holders.join(", ")};\n`,
      side: "open",
      depth: -2,
    });
  }
  return { edits, moved, rebound };
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
  const edits: Edit[] = [];
  const leaf = importSources(program).length === 0;

  const { declared, reached } = reachedByEvaluation(program);
  const reassigned = assigned(program);
  const methods = movePrivateMethods(program, code, names(program));
  edits.push(...methods.edits);

  let declarations = 0;
  const kept: string[] = [];
  for (const [name, declaration] of declared) {
    if (!leaf || reached.has(name) || reassigned.has(name)) {
      kept.push(name);
      continue;
    }
    const { start, end } = declaration;
    edits.push({ start, end: start, text: `var ${name} = (`, side: "open", depth: 0 });
    edits.push({ start: end, end, text: ");", side: "close", depth: 0 });
    declarations++;
  }

  // Nested function expressions without parentheses, and arrows.
  let expressions = 0;
  let arrows = 0;
  for (const { node, parent, depth } of walkWithParents(program)) {
    if (
      node.type === "FunctionExpression" &&
      parent?.type !== "ParenthesizedExpression" &&
      parent?.type !== "MethodDefinition" &&
      !(parent?.type === "Property" && (parent.method || parent.kind !== "init"))
    ) {
      edits.push({ start: node.start, end: node.start, text: "(", side: "open", depth });
      edits.push({ start: node.end, end: node.end, text: ")", side: "close", depth });
      expressions++;
    }
    if (
      node.type === "ArrowFunctionExpression" && !usesOwnBindings(node, methods.rebound) &&
      !node.params.some(holdsFunction) &&
      // the parameters' text is copied as it is: a `this` in it must stay an edit of its own
      !node.params.some((param: Node) => [...walk(param)].some((n) => methods.rebound.has(n)))
    ) {
      const params = node.params.length === 0
        ? ""
        : code.slice(node.params[0].start, node.params[node.params.length - 1].end);
      const head = `(${node.async ? "async " : ""}function (${params}) `;
      const { body } = node;
      edits.push({ start: node.start, end: body.start, text: head, side: "open", depth });
      if (node.expression) {
        edits.push({ start: body.start, end: body.start, text: "{ return ", side: "open", depth });
        edits.push({ start: body.end, end: body.end, text: "; })", side: "close", depth });
      } else {
        edits.push({ start: node.end, end: node.end, text: ")", side: "close", depth });
      }
      arrows++;
    }
  }

  return {
    code: apply(code, edits),
    declarations,
    expressions,
    arrows,
    kept,
    privateMethods: methods.moved,
  };
}

/**
 * The modules a built module imports statically (`import … from`, `export … from`), as written.
 *
 * @param code The module's JavaScript.
 * @returns The specifiers, in order.
 * @throws {SyntaxError} When the code does not parse as a module.
 */
export function staticImports(code: string): string[] {
  return importSources(parse(code, { ecmaVersion: "latest", sourceType: "module" }));
}

/** The specifiers of a parsed module's `import … from` and `export … from` statements. */
function importSources(program: Node): string[] {
  return program.body.flatMap((statement: Node) =>
    (statement.type === "ImportDeclaration" || statement.type === "ExportNamedDeclaration" ||
        statement.type === "ExportAllDeclaration") && statement.source
      ? [statement.source.value as string]
      : []
  );
}
