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
  // `export function` is an export statement, not a bare declaration: left as it is
  assert.equal(hinted.declarations, 0);
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

Deno.test("compile hints: a function that is assigned to is left a declaration", () => {
  const code =
    "function f() { return 1; }\nexport function reset() { f = () => 2; }\nexport { f };";
  const hinted = hintEagerCompilation(code);
  assert.deepEqual(hinted.kept, ["f"]);
  assert.equal(hinted.declarations, 0);
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
    assert.equal(again.code, code);
    assert.match(code, /^var createFetch = \(function createFetch\(/m);
  }
});
