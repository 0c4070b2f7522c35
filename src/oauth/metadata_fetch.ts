/**
 * Fetching a discovered JSON document (protected resource metadata, authorization server metadata,
 * registration responses) under the token-endpoint rules: `https:` (or loopback `http:`), no redirects
 * followed, a size cap and a deadline that covers the body.
 *
 * @module
 */

import { withDeadline } from "../with_deadline.ts";
import { AuthFetchError } from "../errors.ts";
import { endpointUrl, fetchOf, readCapped } from "../http.ts";
import type { Fetch } from "../pipeline.ts";
import { excerpt } from "../redact.ts";

/** The largest discovered document read, in bytes. */
export const MAX_DOCUMENT_BYTES = 256 * 1024;

/** How a document is fetched. */
export interface DocumentFetchOptions {
  /** The fetch to use. @default globalThis.fetch */
  fetch?: Fetch;
  /** Allow a plain `http:` URL that is not loopback. @default false */
  allowInsecureHttp?: boolean;
  /** Aborts the request. @default undefined */
  signal?: AbortSignal;
  /** The deadline of one request, body included, ms. @default 10000 */
  timeout?: number;
}

/** The outcome of one document request. */
export type DocumentResult =
  | { ok: true; status: number; document: Record<string, unknown>; headers: Headers }
  | { ok: false; status?: number; problem: string; body?: Record<string, unknown> };

/**
 * Sends one request and reads a JSON object back.
 *
 * @param url Where to send it; checked against the `https:` rule first.
 * @param what What the URL is, for messages.
 * @param options Fetch, deadline and transport options.
 * @param init Method, headers and body of the request (GET by default).
 * @returns The document, or why there is none (HTTP status, not JSON, a redirect refused).
 * @throws {TypeError} When the URL is not `https:` (or loopback `http:`).
 * @throws {TimeoutError} When the deadline passes, whatever part of the exchange was running (on the
 *   shared deadline clock of `src/deadline.ts`, as every other exchange).
 */
export async function fetchDocument(
  url: string | URL,
  what: string,
  options: DocumentFetchOptions,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<DocumentResult> {
  const target = endpointUrl(url, what, options.allowInsecureHttp);
  const fetch = fetchOf(options.fetch);
  return await withDeadline(
    options.timeout ?? 10_000,
    options.signal,
    `Fetching the ${what} ${target.origin}${target.pathname}`,
    (signal) => readDocument(fetch, target, signal, init),
  );
}

/** The exchange of {@linkcode fetchDocument}, under its deadline's `signal`. */
async function readDocument(
  fetch: Fetch,
  target: URL,
  signal: AbortSignal,
  init: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<DocumentResult> {
  let response: Response;
  try {
    response = await fetch(target.href, {
      method: init.method ?? "GET",
      headers: { accept: "application/json", ...init.headers },
      body: init.body,
      redirect: "manual",
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return { ok: false, problem: `${target.href}: ${(error as Error).message}` };
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    return {
      ok: false,
      status: response.status,
      problem: `${target.href}: HTTP ${response.status} redirect, not followed`,
    };
  }
  let text: string;
  try {
    text = await readCapped(response, MAX_DOCUMENT_BYTES);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return {
      ok: false,
      status: response.status,
      problem: `${target.href}: ${(error as Error).message}`,
    };
  }
  if (!response.ok) {
    let body: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(text);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed;
    } catch {
      // Not a JSON error body.
    }
    return {
      ok: false,
      status: response.status,
      problem: `${target.href}: HTTP ${response.status}${text ? ` (${excerpt(text, 120)})` : ""}`,
      body,
    };
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return {
      ok: false,
      status: response.status,
      problem: `${target.href}: not JSON (${excerpt(text, 60)})`,
    };
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    return { ok: false, status: response.status, problem: `${target.href}: not a JSON object` };
  }
  return {
    ok: true,
    status: response.status,
    document: document as Record<string, unknown>,
    headers: response.headers,
  };
}

/**
 * A fetch that gives each request a deadline (for handing to {@linkcode discover} and the grants).
 *
 * @param options The fetch and the deadline.
 * @returns The fetch.
 */
export function deadlineFetch(options: DocumentFetchOptions): Fetch {
  const fetch = fetchOf(options.fetch);
  const ms = options.timeout ?? 10_000;
  return (input, init = {}) =>
    withDeadline(ms, init.signal ?? undefined, "A discovery request", async (signal) => {
      const response = await fetch(input, { ...init, signal });
      // The body is read by the caller within the same deadline: buffer it here.
      const body = await readCapped(response, MAX_DOCUMENT_BYTES);
      const empty = body === "" || [204, 205, 304].includes(response.status);
      return new Response(empty ? null : body, {
        status: response.status,
        headers: response.headers,
      });
    });
}

/**
 * Throws a `discovery_error` naming what was tried.
 *
 * @param message The summary.
 * @param problems What each attempt found.
 * @returns Never.
 * @throws {AuthFetchError} Always.
 */
export function discoveryFailed(message: string, problems: string[] = []): never {
  throw new AuthFetchError(
    "discovery_error",
    problems.length === 0 ? message : `${message}: ${problems.join("; ")}`,
  );
}
