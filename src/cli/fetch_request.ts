/**
 * `authfetch fetch`'s curl flags, turned into a request: `-X`, `-H`, `-d`/`--data-binary`/
 * `--data-raw`/`--data-urlencode`/`--json` (in command-line order, joined as curl joins them), `-G`, `-I`.
 *
 * @module
 */

import type { OptionSpec, Parsed } from "./args.ts";
import type { Context } from "./context.ts";
import { UsageError } from "./errors.ts";

/** The options `fetch` takes, with curl's short names where curl has them. */
export const FETCH_OPTIONS = {
  request: { type: "string", short: "X" },
  header: { type: "string", short: "H", multiple: true },
  data: { type: "string", short: "d", multiple: true },
  "data-ascii": { type: "string", multiple: true },
  "data-binary": { type: "string", multiple: true },
  "data-raw": { type: "string", multiple: true },
  "data-urlencode": { type: "string", multiple: true },
  json: { type: "string", multiple: true },
  get: { type: "boolean", short: "G" },
  head: { type: "boolean", short: "I" },
  include: { type: "boolean", short: "i" },
  verbose: { type: "boolean", short: "v" },
  output: { type: "string", short: "o" },
  silent: { type: "boolean", short: "s" },
  "show-error": { type: "boolean", short: "S" },
  fail: { type: "boolean", short: "f" },
  "fail-with-body": { type: "boolean" },
  location: { type: "boolean", short: "L" },
  "max-redirs": { type: "string" },
  "write-out": { type: "string", short: "w" },
  "max-time": { type: "string", short: "m" },
  retries: { type: "string" },
  retry: { type: "string" },
} as const satisfies OptionSpec;

/** What the request is made of. */
export interface RequestSpec {
  /** The URL, with `-G` data in its query. */
  url: URL;
  /** The method. */
  method: string;
  /** The headers, content type included. */
  headers: Headers;
  /** The body, if any. */
  body?: Uint8Array;
}

const DATA_FLAGS = new Set([
  "data",
  "data-ascii",
  "data-binary",
  "data-raw",
  "data-urlencode",
  "json",
]);

async function readData(ctx: Context, flag: string, path: string): Promise<Uint8Array> {
  if (path === "-") return new Uint8Array(await new Response(ctx.io.stdin()).arrayBuffer());
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read --${flag} file ${path}: ${(error as Error).message}`);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `--data-urlencode`: `content`, `=content`, `name=content`, `@file`, `name@file`, as curl. */
async function urlencoded(ctx: Context, value: string): Promise<string> {
  const at = value.indexOf("@");
  const eq = value.indexOf("=");
  if (at !== -1 && (eq === -1 || at < eq)) {
    const name = value.slice(0, at);
    const content = decoder.decode(await readData(ctx, "data-urlencode", value.slice(at + 1)));
    const encoded = encodeURIComponent(content);
    return name === "" ? encoded : `${name}=${encoded}`;
  }
  if (eq === -1) return encodeURIComponent(value);
  const name = value.slice(0, eq);
  const encoded = encodeURIComponent(value.slice(eq + 1));
  return name === "" ? encoded : `${name}=${encoded}`;
}

/**
 * One data flag's bytes, as curl reads them: `-d @file` drops carriage returns and newlines,
 * `--data-binary @file` and `--json @file` keep the bytes, `--data-raw` never reads a file.
 */
async function dataPart(ctx: Context, flag: string, value: string): Promise<Uint8Array> {
  if (flag === "data-urlencode") return encoder.encode(await urlencoded(ctx, value));
  if (flag === "data-raw" || !value.startsWith("@")) return encoder.encode(value);
  const bytes = await readData(ctx, flag, value.slice(1));
  if (flag === "data" || flag === "data-ascii") {
    return bytes.filter((b) => b !== 0x0a && b !== 0x0d);
  }
  return bytes;
}

function concat(parts: Uint8Array[], separator: Uint8Array): Uint8Array {
  const size = parts.reduce((n, p) => n + p.byteLength, 0) +
    separator.byteLength * Math.max(0, parts.length - 1);
  const out = new Uint8Array(size);
  let offset = 0;
  parts.forEach((part, i) => {
    if (i > 0) {
      out.set(separator, offset);
      offset += separator.byteLength;
    }
    out.set(part, offset);
    offset += part.byteLength;
  });
  return out;
}

/**
 * Builds the request from the parsed flags.
 *
 * @param ctx The context (standard input for `@-`).
 * @param parsed The parsed command line.
 * @returns The request's parts.
 * @throws {UsageError} On a bad URL or header, an unreadable file or conflicting flags.
 */
export async function requestSpec(ctx: Context, parsed: Parsed): Promise<RequestSpec> {
  const { values, positionals, ordered } = parsed;
  const target = positionals[0];
  if (target === undefined) throw new UsageError("fetch needs a URL (see authfetch fetch --help)");
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`"${target.slice(0, 200)}" is not an absolute URL`);
  }
  const headers = new Headers();
  for (const line of (values.header as string[] | undefined) ?? []) {
    const colon = line.indexOf(":");
    if (colon < 1) {
      throw new UsageError(`--header must look like "Name: value", not "${line.slice(0, 60)}"`);
    }
    try {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      throw new UsageError(`--header "${line.slice(0, colon)}" is not a valid header`);
    }
  }

  const data = ordered.filter((o) => DATA_FLAGS.has(o.name));
  const json = data.some((o) => o.name === "json");
  if (json && data.some((o) => o.name !== "json")) {
    throw new UsageError("Give --json or -d/--data…, not both (see authfetch fetch --help)");
  }
  if (values.head && data.length > 0) {
    throw new UsageError("-I/--head sends no body; drop -d/--json or -I");
  }
  let body: Uint8Array | undefined;
  if (data.length > 0) {
    const parts: Uint8Array[] = [];
    for (const o of data) parts.push(await dataPart(ctx, o.name, o.value ?? ""));
    // curl joins -d parts with "&" and --json parts with nothing.
    body = concat(parts, encoder.encode(json ? "" : "&"));
  }
  let method = values.head ? "HEAD" : body === undefined ? "GET" : "POST";
  if (values.get && body !== undefined) {
    // -G: the data goes into the query string, and the request is a GET.
    const query = decoder.decode(body);
    url.search = url.search === "" ? query : `${url.search.slice(1)}&${query}`;
    body = undefined;
    method = values.head ? "HEAD" : "GET";
  }
  if (body !== undefined && !headers.has("content-type")) {
    headers.set("content-type", json ? "application/json" : "application/x-www-form-urlencoded");
  }
  if (json && !headers.has("accept")) headers.set("accept", "application/json");
  if (values.request !== undefined) method = (values.request as string).toUpperCase();
  return { url, method, headers, body };
}
