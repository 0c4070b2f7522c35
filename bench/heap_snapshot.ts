/**
 * What 1,000 clients hold, by constructor: run as
 * `deno run -A --lock=tests/deno.lock --v8-flags=--expose-gc bench/heap_snapshot.ts <client> <base> [count]`
 * with `bench/compare/server.ts` serving at `<base>`. It makes `count` clients and one call through
 * each, kept (so every module and lazy path is loaded and the code that makes them is compiled:
 * machine code is made once, not per client), writes a heap snapshot (`node:v8`), makes `count` more clients with
 * one call each, writes a second one, and prints the difference per node type and constructor name:
 * how many more nodes, and their self size in bytes per client. Closures show as `closure <name>`,
 * their contexts as `system / Context`.
 *
 * @module
 */

import { writeHeapSnapshot } from "node:v8";
import { callApi, type CreateClient, exposedGc } from "./compare/_client.ts";

const [name, base, countArg, detailArg] = Deno.args;
const detail = detailArg === "detail";
const count = Number(countArg ?? 1000);
const { create }: { create: CreateClient } = await import(
  new URL(`./compare/${name}.ts`, import.meta.url).href
);
const gc = exposedGc();
const callOnce = (call: (url: string) => Promise<Response>) => callApi(call, base, name);

interface Row {
  count: number;
  bytes: number;
}

/** Self size and count per `type name`, from a `.heapsnapshot` file. */
function aggregate(path: string): Map<string, Row> {
  const snapshot = JSON.parse(Deno.readTextFileSync(path));
  if (Deno.env.get("KEEP_SNAPSHOT") !== "1") Deno.removeSync(path);
  const fields: string[] = snapshot.snapshot.meta.node_fields;
  const types: string[] = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const nodes: number[] = snapshot.nodes;
  const strings: string[] = snapshot.strings;
  const edgeFields: string[] = snapshot.snapshot.meta.edge_fields;
  const edgeTypes: string[] = snapshot.snapshot.meta.edge_types[0];
  const edgeWidth = edgeFields.length;
  const edgeCountAt = fields.indexOf("edge_count");
  const [edgeTypeAt, edgeNameAt] = ["type", "name_or_index"].map((f) => edgeFields.indexOf(f));
  const edges: number[] = snapshot.edges;
  const rows = new Map<string, Row>();
  let edge = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    let label = strings[nodes[i + nameAt]];
    const edgeCount = nodes[i + edgeCountAt];
    const names: string[] = [];
    if (detail && (type === "object" || type === "closure")) {
      for (let e = edge; e < edge + edgeCount * edgeWidth; e += edgeWidth) {
        const kind = edgeTypes[edges[e + edgeTypeAt]];
        if (kind === "property" || kind === "context") names.push(strings[edges[e + edgeNameAt]]);
      }
    }
    edge += edgeCount * edgeWidth;
    if (type === "string" || type === "concatenated string" || type === "sliced string") {
      label = detail ? JSON.stringify(label.slice(0, 40)) : "";
    } else if (type === "number") label = "";
    label = label.replace(/ @\d+$/, "");
    if (label.length > 60) label = label.slice(0, 60) + "…";
    if (names.length > 0) label += ` {${names.slice(0, 12).join(",")}}`;
    const key = `${type} ${label}`;
    const row = rows.get(key) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += nodes[i + sizeAt];
    rows.set(key, row);
  }
  return rows;
}

/** Writes a snapshot after collecting garbage; it is read only once both are written. */
async function snapshot(): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (let i = 0; i < 4; i++) gc!();
  return writeHeapSnapshot();
}

// As bench/compare/sources.ts does: `count` clients first, kept, so the code that makes and calls them
// is compiled before the first snapshot (machine code is made once, not per client).
const warm: unknown[] = [];
for (let i = 0; i < count; i++) {
  const call = create(base);
  warm.push(call);
  await callOnce(call);
}
(globalThis as { benchWarm?: unknown[] }).benchWarm = warm;
const kept: unknown[] = [];
// Reachable by name in the snapshot, for tools that walk from one client.
(globalThis as { benchKept?: unknown[] }).benchKept = kept;
const beforePath = await snapshot();
for (let i = 0; i < count; i++) {
  const call = create(base);
  kept.push(call);
  await callOnce(call);
}
const afterPath = await snapshot();
const before = aggregate(beforePath);
const after = aggregate(afterPath);
const diff: [string, number, number][] = [];
let total = 0;
for (const [key, row] of after) {
  const was = before.get(key) ?? { count: 0, bytes: 0 };
  const bytes = row.bytes - was.bytes;
  total += bytes;
  if (Math.abs(bytes) >= count * 4) diff.push([key, row.count - was.count, bytes]);
}
diff.sort((a, b) => b[2] - a[2]);
console.log(
  `${name}: ${(total / count).toFixed(0)} B per client (self sizes), ${kept.length} kept`,
);
for (const [key, nodes, bytes] of diff) {
  console.log(
    `${(bytes / count).toFixed(1).padStart(8)} B  ${
      (nodes / count).toFixed(2).padStart(6)
    }×  ${key}`,
  );
}
