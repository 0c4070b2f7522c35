/**
 * scripts/compile_hints.ts: the rewrite that makes V8 compile the first call's functions with their
 * module. Each case runs the rewritten module, so "unchanged behaviour" is checked by running it,
 * not by reading the text; the hoisting cases are the ones a careless rewrite would break.
 */

import assert from "node:assert/strict";
import { hintEagerCompilation, staticImports } from "../scripts/compile_hints.ts";
import { FIRST_CALL_ENTRY } from "../scripts/build.ts";

/** Imports JavaScript source as a module. */
function run(code: string): Promise<Record<string, unknown>> {
  return import(`data:text/javascript;base64,${btoa(code)}`);
}

Deno.test("compile hints: a function no top-level code reaches becomes a parenthesized expression", async () => {
  const code = [
    "function later(x) { return helper(x) + 1; }",
    "function helper(x) { return x * 2; }",
    "export { later };",
  ].join("\n");
  const hinted = hintEagerCompilation(code);
  assert.equal(hinted.declarations, 2);
  assert.deepEqual(hinted.kept, []);
  assert.match(hinted.code, /^var later = \(function later\(x\) \{/);
  assert.match(hinted.code, /var helper = \(function helper\(x\) \{ return x \* 2; \}\);/);
  const module = await run(hinted.code);
  assert.equal((module.later as (x: number) => number)(5), 11);
});

Deno.test("compile hints: a function top-level code calls, directly or through another, stays hoisted", async () => {
  const code = [
    "const first = outer();", // runs before either declaration: needs hoisting
    "function outer() { return inner() + 1; }",
    "function inner() { return 41; }",
    "function unrelated() { return first; }",
    "export { first, unrelated };",
  ].join("\n");
  const hinted = hintEagerCompilation(code);
  assert.deepEqual(hinted.kept.sort(), ["inner", "outer"]);
  assert.equal(hinted.declarations, 1);
  const module = await run(hinted.code);
  assert.equal(module.first, 42);
  assert.equal((module.unrelated as () => number)(), 42);
});

Deno.test("compile hints: a function named by a class field or a top-level callback stays hoisted", async () => {
  const code = [
    "class Box { static made = make(); value = fill(); }",
    "const registry = new FinalizationRegistry(onCollect);",
    "function make() { return 1; }",
    "function fill() { return 2; }",
    "function onCollect() {}",
    "function unused() { return new Box().value + Box.made; }",
    "export { registry, unused };",
  ].join("\n");
  const hinted = hintEagerCompilation(code);
  assert.deepEqual(hinted.kept.sort(), ["fill", "make", "onCollect"]);
  const module = await run(hinted.code);
  assert.equal((module.unused as () => number)(), 3);
});

Deno.test("compile hints: a module with static imports keeps its declarations (an import cycle could call them early)", () => {
  const code = [
    'import { x } from "./other.js";',
    "function f() { return x; }",
    "const g = function () { return 1; };",
    "export { f, g };",
  ].join("\n");
  const hinted = hintEagerCompilation(code);
  assert.equal(hinted.declarations, 0);
  assert.deepEqual(hinted.kept, ["f"]);
  assert.equal(hinted.expressions, 1);
  assert.match(hinted.code, /^function f\(\)/m);
  assert.match(hinted.code, /const g = \(function \(\) \{ return 1; \}\);/);
  assert.deepEqual(staticImports(code), ["./other.js"]);
});

Deno.test("compile hints: nested function expressions get parentheses; methods, accessors and parenthesized ones do not", async () => {
  const code = [
    "export function make() {",
    "  const object = { method() { return 1; }, get value() { return 2; }, plain: function () { return 3; } };",
    "  class C { m() { return 4; } }",
    "  const already = (function () { return 5; });",
    "  return [object, new C(), already, async function named() { return 6; }];",
    "}",
  ].join("\n");
  const hinted = hintEagerCompilation(code);
  // `export function make` becomes `export var make = (function make …)`
  assert.equal(hinted.declarations, 1);
  assert.match(hinted.code, /^export var make = \(function make\(\) \{/);
  assert.equal(hinted.expressions, 2);
  assert.match(hinted.code, /plain: \(function \(\) \{ return 3; \}\)/);
  assert.match(hinted.code, /\(async function named\(\) \{ return 6; \}\)\]/);
  assert.match(hinted.code, /method\(\) \{ return 1; \}/);
  assert.match(hinted.code, /\(function \(\) \{ return 5; \}\);/);
  assert.doesNotMatch(hinted.code, /\(\(function/);
  const module = await run(hinted.code);
  const [object, c, already, named] = (module.make as () => unknown[])() as [
    { method(): number; value: number; plain(): number },
    { m(): number },
    () => number,
    () => Promise<number>,
  ];
  assert.deepEqual([object.method(), object.value, object.plain(), c.m(), already()], [
    1,
    2,
    3,
    4,
    5,
  ]);
  assert.equal(await named(), 6);
});

Deno.test("compile hints: code a top-level call may run keeps what it names hoisted; deferred bodies do not", async () => {
  const code = [
    "const early = [1].map((x) => viaCallback(x));", // the arrow runs now
    "const helper = () => viaArrow();",
    "const now = helper();", // a bound arrow, called now
    "class Kept { static made = viaStatic(); method() { return viaMethod(); } }",
    "class Lazy { method() { return onlyLater(); } }",
    "const proto = { method() { return viaObject(); } };",
    "function viaCallback(x) { return x; }",
    "function viaArrow() { return 2; }",
    "function viaStatic() { return 3; }",
    "function viaMethod() { return 4; }",
    "function onlyLater() { return 5; }",
    "function viaObject() { return 6; }",
    "export { early, now, Kept, Lazy, proto };",
  ].join("\n");
  const hinted = hintEagerCompilation(code);
  // Kept is reached (its static field runs), so its methods' names are too
  assert.deepEqual(hinted.kept.sort(), ["viaArrow", "viaCallback", "viaMethod", "viaStatic"]);
  assert.equal(hinted.declarations, 2); // onlyLater, viaObject
  const module = await run(hinted.code);
  assert.deepEqual(module.early, [1]);
  assert.equal(module.now, 2);
  const { Kept, Lazy, proto } = module as unknown as {
    Kept: new () => { method(): number };
    Lazy: new () => { method(): number };
    proto: { method(): number };
  };
  assert.deepEqual([new Kept().method(), new Lazy().method(), proto.method()], [4, 5, 6]);
});

Deno.test("compile hints: arrows that bind nothing of their own become parenthesized function expressions", async () => {
  const code = [
    "export const concise = (a, b = 2) => a + b;",
    "export const object = () => ({ value: 1 });",
    "export const single = x => x * 3;",
    "export const rest = async (...xs) => { return xs.length; };",
    "export const destructured = ({ a }, [b]) => a + b;",
    "export const curried = (a) => (b) => a - b;",
    "export class Holder {",
    "  value = 7;",
    "  usesThis = () => this.value;",
    "  nested = () => [1].map(() => this.value);",
    "  usesArguments() { return [1].map(() => arguments.length); }",
    "}",
  ].join("\n");
  const hinted = hintEagerCompilation(code);
  assert.equal(hinted.arrows, 7);
  assert.match(hinted.code, /concise = \(function \(a, b = 2\) \{ return a \+ b; \}\);/);
  assert.match(hinted.code, /object = \(function \(\) \{ return \(\{ value: 1 \}\); \}\);/);
  assert.match(
    hinted.code,
    /curried = \(function \(a\) \{ return \(function \(b\) \{ return a - b; \}\); \}\);/,
  );
  assert.match(hinted.code, /usesThis = \(\) => this\.value/);
  assert.match(hinted.code, /nested = \(\) => \[1\]\.map\(\(\) => this\.value\)/);
  assert.match(hinted.code, /map\(\(\) => arguments\.length\)/);
  const module = await run(hinted.code) as Record<string, (...args: never[]) => unknown>;
  const m = module as unknown as {
    concise(a: number, b?: number): number;
    object(): { value: number };
    single(x: number): number;
    rest(...xs: number[]): Promise<number>;
    destructured(a: { a: number }, b: number[]): number;
    curried(a: number): (b: number) => number;
    Holder: new () => {
      usesThis(): number;
      nested(): number[];
      usesArguments(...a: number[]): number[];
    };
  };
  assert.equal(m.concise(1), 3);
  assert.deepEqual(m.object(), { value: 1 });
  assert.equal(m.single(2), 6);
  assert.equal(await m.rest(1, 2, 3), 3);
  assert.equal(m.destructured({ a: 1 }, [2]), 3);
  assert.equal(m.curried(5)(3), 2);
  const holder = new m.Holder();
  assert.equal(holder.usesThis(), 7);
  assert.deepEqual(holder.nested(), [7]);
  assert.deepEqual(holder.usesArguments(1, 2), [2]);
  // a function bound to a name keeps the name an arrow had (stack traces read the same)
  assert.equal(m.concise.name, "concise");
  assert.equal(m.rest.name, "rest");
});

Deno.test("compile hints: a function that is assigned to is left a declaration", () => {
  const code =
    "function f() { return 1; }\nexport function reset() { f = () => 2; }\nexport { f };";
  const hinted = hintEagerCompilation(code);
  assert.deepEqual(hinted.kept, ["f"]);
  assert.match(hinted.code, /^function f\(\) \{ return 1; \}$/m);
});

Deno.test("compile hints: the built first-call chunk is hinted, and hinting it again changes nothing", async () => {
  const entry = new URL(`../${FIRST_CALL_ENTRY}`, import.meta.url);
  const chunks = staticImports(await Deno.readTextFile(entry)).map((s) => new URL(s, entry));
  assert.ok(chunks.length > 0);
  for (const chunk of chunks) {
    const code = await Deno.readTextFile(chunk);
    assert.deepEqual(staticImports(code), [], `${chunk} imports nothing statically`);
    const again = hintEagerCompilation(code);
    assert.equal(again.declarations, 0, `${chunk}: no declaration left to rewrite`);
    assert.equal(again.expressions, 0, `${chunk}: no expression left to parenthesize`);
    assert.equal(again.arrows, 0, `${chunk}: no arrow left to rewrite`);
    assert.deepEqual(again.privateMethods, [], `${chunk}: no private method left to move`);
    assert.equal(again.code, code);
    assert.match(code, /^var createFetch = \(function createFetch\(/m);
    // the token source's private methods run on the first call: they are compiled with the module
    assert.match(code, /static \{ obtain\$\d* = \(async function /);
  }
});

Deno.test("compile hints: private methods move into static blocks, and the class behaves the same", async () => {
  const code = [
    "var set = (x) => x * 2;",
    "var Box = class {",
    "  #v = 1;",
    "  #count = 0;",
    "  bump(n) { return this.#add(n, (k) => this.#twice(k)); }",
    "  async #add(n, f = (z) => this.#v + z) { this.#count++; return f(n) + set(this.#v); }",
    "  #twice(k) { const self = () => this; return self().#v + k * 2; }",
    "  #set(a) { return set(a) + this.#v; }", // its name must not hide the top-level `set`
    "  useSet(a) { return this.#set(a); }",
    "  *#values() { yield this.#v; yield this.#count; }",
    "  values() { return [...this.#values()]; }",
    "  other(box) { return box.#set(1); }",
    "  #mapped() { return [1, 2].map((k) => this.#twice(k)); }", // edits that share an offset
    "  mapped() { return this.#mapped(); }",
    "  get count() { return this.#count; }",
    "};",
    "export { Box };",
  ].join("\n");
  const hinted = hintEagerCompilation(code);
  assert.deepEqual(hinted.privateMethods.sort(), ["add", "mapped", "set", "twice", "values"]);
  assert.match(hinted.code, /^var add\$, twice\$, set\$, values\$, mapped\$;\nvar Box = class \{/m);
  assert.match(hinted.code, /map\(\(function \(k\) \{ return twice\$\(self\$, k\); \}\)\)/);
  assert.match(hinted.code, /static \{ add\$ = \(async function add\(self\$, n, f = /);
  assert.match(hinted.code, /static \{ values\$ = \(function\* values\(self\$\) \{/);
  // an arrow that used only `this` is now an expression of its own
  assert.match(hinted.code, /const self = \(function \(\) \{ return self\$; \}\);/);
  assert.match(hinted.code, /static \{ set\$ = \(function set\$\(self\$, a\) \{ return set\(a\)/);
  const { Box } = await run(hinted.code) as {
    Box: new () => {
      bump(n: number): Promise<number>;
      useSet(a: number): number;
      values(): number[];
      other(box: unknown): number;
      mapped(): number[];
      count: number;
    };
  };
  const box = new Box();
  assert.equal(await box.bump(3), 1 + 3 * 2 + 2); // f(3) = twice(3) = #v + 6, then set(#v)
  assert.equal(box.count, 1);
  assert.equal(box.useSet(5), 11);
  assert.deepEqual(box.values(), [1, 1]);
  assert.equal(box.other(new Box()), 3);
  assert.deepEqual(box.mapped(), [3, 5]);
  // another object still fails the way a private method call on it fails: a TypeError
  assert.throws(() => box.other({}), TypeError);
});

Deno.test("compile hints: a private method stays when moving it would change what it does", async () => {
  const code = [
    "class Base { hello() { return 'base'; } }",
    "export class Kept extends Base {",
    "  #v = 3;",
    "  #usesSuper() { return super.hello(); }",
    "  #usesArguments() { return arguments.length; }",
    "  #optional() { return this.#v; }",
    "  #chained() { return this.#v; }",
    "  #asValue() { return this.#v; }",
    "  #branded() { return 1; }",
    "  #shadowed() { return this.#v; }",
    "  #withClass() { const Inner = class { [this.#v] = 1; }; return new Inner()[3]; }",
    "  run() {",
    "    const holder = { inner: this };",
    "    const nested = class { #shadowed() { return 0; } };",
    "    const f = this.#asValue;",
    "    return [",
    "      this.#usesSuper(), this.#usesArguments(1, 2), this?.#optional(), holder?.inner.#chained(),",
    "      f.call(this), #branded in this, this.#shadowed(), typeof nested, this.#withClass(),",
    "    ];",
    "  }",
    "}",
    "export class WithStatic { static made = new WithStatic().#early(); #early() { return 1; } }",
  ].join("\n");
  const hinted = hintEagerCompilation(code);
  assert.deepEqual(hinted.privateMethods, []);
  assert.doesNotMatch(hinted.code, /static \{/);
  const { Kept, WithStatic } = await run(hinted.code) as {
    Kept: new () => { run(): unknown[] };
    WithStatic: { made: number };
  };
  assert.deepEqual(new Kept().run(), ["base", 2, 3, 3, 3, true, 3, "function", 1]);
  assert.equal(WithStatic.made, 1);
});
