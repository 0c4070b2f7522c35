/**
 * The fetching half of {@linkcode discover}: loaded with `import()` (through `src/lazy.ts`) on the
 * first discovery, so clients given their endpoints never carry it.
 *
 * @module
 */

import { AuthFetchError, TimeoutError } from "../errors.ts";
import { withDeadline } from "../with_deadline.ts";
import { fetchOf, readCapped } from "../http.ts";
import { excerpt } from "../redact.ts";
import type { AuthorizationServerMetadata, DiscoverOptions } from "./discovery.ts";

/**
 * Fetches and checks an issuer's metadata: RFC 8414 and OpenID Connect locations in the order the MCP
 * authorization spec gives, each under its own deadline.
 *
 * @param issuer The issuer identifier asked for.
 * @param url The issuer, parsed.
 * @param options Fetch, deadline and signal.
 * @param alias The issuer without the "/" a `URL` object adds to a bare origin.
 * @returns The metadata.
 * @throws {AuthFetchError} With code `discovery_error` when no document is found or it does not match.
 */
export async function fetchMetadata(
  issuer: string,
  url: URL,
  options: DiscoverOptions,
  alias?: string,
): Promise<AuthorizationServerMetadata> {
  const fetch = fetchOf(options.fetch);
  const limit = options.timeout ?? 30_000;
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  // The order the MCP authorization spec requires: RFC 8414 with the path inserted, OpenID Connect with
  // the path inserted, then OpenID Connect with the path appended (the same URL for an issuer without a path).
  const candidates = [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    ...(path === "" ? [] : [`${url.origin}/.well-known/openid-configuration${path}`]),
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
  const problems: string[] = [];
  for (const candidate of candidates) {
    let answer: { ok: boolean; status: number; text: string };
    try {
      answer = await withDeadline(
        limit,
        options.signal,
        `discovery of ${candidate}`,
        async (signal) => {
          const response = await fetch(candidate, {
            headers: { accept: "application/json" },
            redirect: "manual",
            signal,
          });
          return { ok: response.ok, status: response.status, text: await readCapped(response) };
        },
      );
    } catch (error) {
      if (options.signal?.aborted || error instanceof TimeoutError) throw error;
      problems.push(`${candidate}: ${(error as Error).message}`);
      continue;
    }
    const text = answer.text;
    if (!answer.ok) {
      problems.push(`${candidate}: HTTP ${answer.status}`);
      continue;
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      problems.push(`${candidate}: not JSON (${excerpt(text, 60)})`);
      continue;
    }
    if (document === null || typeof document !== "object" || Array.isArray(document)) {
      problems.push(`${candidate}: not a JSON object`);
      continue;
    }
    const metadata = document as AuthorizationServerMetadata;
    if (metadata.issuer !== issuer && (alias === undefined || metadata.issuer !== alias)) {
      throw new AuthFetchError(
        "discovery_error",
        `Discovery document at ${candidate} names issuer ${
          typeof metadata.issuer === "string"
            ? `"${metadata.issuer.slice(0, 200)}"`
            : `of type ${metadata.issuer === null ? "null" : typeof metadata.issuer}`
        }, ` +
          `not "${issuer}"; refusing it (RFC 8414 §3.3)`,
      );
    }
    for (const key of Object.keys(metadata)) {
      if (key.endsWith("_endpoint") || key === "jwks_uri") {
        const value = metadata[key];
        if (value !== undefined && typeof value !== "string") {
          throw new AuthFetchError(
            "discovery_error",
            `Discovery document at ${candidate} has a ${key} that is not a string`,
          );
        }
      }
    }
    return metadata;
  }
  throw new AuthFetchError(
    "discovery_error",
    `No authorization server metadata for ${issuer}: ${problems.join("; ")}`,
  );
}
