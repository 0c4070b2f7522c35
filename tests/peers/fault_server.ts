/**
 * A local fault-injection server for reliability tests: an OAuth token endpoint and a protected API that
 * can, per request, misbehave in every way a real network or server does.
 *
 * It is a raw HTTP/1.1 server on `Deno.listen` (keep-alive, `content-length` and chunked request bodies),
 * so it can do what `Deno.serve` cannot: reset a connection before any byte of the answer, close it in the
 * middle of a body, or trickle a response byte by byte.
 *
 * Faults come from a scripted queue per endpoint (`script("token", ...)`), else from a seeded random mix
 * (`faultRate` and `faults`), else the request is served normally.
 *
 * @module
 */

import { ConnReader, listenRaw, readHttpRequest, writeAll } from "./raw_socket.ts";

/** What one request can be answered with. */
export type FaultKind =
  /** Serve normally. */
  | "ok"
  /** Answer `status` (default 503), with `Retry-After: retryAfter` when given. */
  | "status"
  /** Never answer; the connection is held until the client gives up or the server closes. */
  | "hang"
  /** Close the connection without writing a byte. */
  | "reset"
  /** Write the status line and headers (content-length 200) and part of the body, then close. */
  | "close_mid_body"
  /** Write the status line, headers (content-length 200) and part of the body, then fall silent. */
  | "stall_after_headers"
  /** The normal answer, written one byte at a time `slowByteDelay` ms apart. */
  | "slow"
  /** A 200 (or `status`) with an HTML error page. */
  | "html"
  /** A 200 with JSON cut in the middle (a valid HTTP message whose body is not valid JSON). */
  | "truncated_json"
  /** A 200 whose JSON body is an OAuth error (`server_error`). */
  | "oauth_error_200"
  /** A 200 with a 2 MiB body and a `content-length`. */
  | "huge"
  /** A 200 with a 2 MiB body, no length (ends when the connection closes). */
  | "huge_stream"
  /** API only: revoke the token the request carried and answer 401 `invalid_token`. */
  | "revoke";

/** One injected fault. */
export interface Fault {
  /** The kind of fault. */
  kind: FaultKind;
  /** Status for `"status"` and `"html"`. @default 503 for "status", 200 for "html" */
  status?: number;
  /** `Retry-After` header value, for `"status"`. @default undefined */
  retryAfter?: string;
}

/** Which endpoint a fault applies to. */
export type FaultTarget = "token" | "api";

/** Options of {@linkcode startFaultServer}. */
export interface FaultServerOptions {
  /** Lifetime of issued access tokens, ms (sent as `expires_in` in whole seconds, at least 1). @default 3600000 */
  tokenLifetime?: number;
  /** Issue rotating refresh tokens; a refresh token is good once, reuse is `invalid_grant`. @default true */
  rotateRefreshTokens?: boolean;
  /** Probability that a request not scripted gets a fault from `faults`. @default 0 */
  faultRate?: number;
  /** The random mix, per endpoint. @default every fault that makes sense for it */
  faults?: Partial<Record<FaultTarget, Fault[]>>;
  /** Seed of the random mix. @default 1 */
  seed?: number;
  /** Delay between bytes for `"slow"`, ms. @default 1 */
  slowByteDelay?: number;
  /** Issue refresh tokens with client_credentials too (to exercise refresh). @default false */
  refreshWithClientCredentials?: boolean;
}

/** What the server counted. */
export interface FaultCounters {
  /** Token endpoint requests (any outcome). */
  tokenRequests: number;
  /** Token endpoint requests per grant type. */
  tokenRequestsByGrant: Record<string, number>;
  /** Tokens issued. */
  tokensIssued: number;
  /** API requests (any outcome). */
  apiRequests: number;
  /** API requests answered 200. */
  api200: number;
  /** API requests answered 401. */
  api401: number;
  /** API requests that carried no token, or a token never issued. */
  apiUnknownToken: number;
  /** Refresh tokens presented a second time (rejected). */
  refreshReuse: number;
  /** Faults injected, by kind and target (`"token:reset"`). */
  faults: Record<string, number>;
}

/** A running fault server. */
export interface FaultServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The token endpoint. */
  tokenUrl: string;
  /** The API base (`<origin>/api/`). */
  apiUrl: string;
  /** What happened so far. */
  counters: FaultCounters;
  /** Every access token issued, in order. */
  issued: string[];
  /** Every Authorization header value received by the API. */
  apiAuthorizations: (string | null)[];
  /** Queues faults for the next requests to `target`, in order. */
  script(target: FaultTarget, ...faults: (Fault | FaultKind)[]): void;
  /** Faults still queued for `target`. */
  pending(target: FaultTarget): number;
  /** Drops the scripted faults not yet served; returns how many there were. */
  unscript(target: FaultTarget): number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Every fault kind that makes sense on the token endpoint. */
export const TOKEN_FAULTS: Fault[] = [
  { kind: "status", status: 500 },
  { kind: "status", status: 502 },
  { kind: "status", status: 503, retryAfter: "0" },
  { kind: "status", status: 504 },
  { kind: "status", status: 429, retryAfter: "0" },
  { kind: "status", status: 429 },
  { kind: "hang" },
  { kind: "reset" },
  { kind: "close_mid_body" },
  { kind: "slow" },
  { kind: "html" },
  { kind: "html", status: 502 },
  { kind: "truncated_json" },
  { kind: "oauth_error_200" },
  { kind: "huge" },
  { kind: "huge_stream" },
];

/** Every fault kind that makes sense on the API. */
export const API_FAULTS: Fault[] = [
  { kind: "status", status: 500 },
  { kind: "status", status: 502 },
  { kind: "status", status: 503, retryAfter: "0" },
  { kind: "status", status: 504 },
  { kind: "status", status: 429, retryAfter: "0" },
  { kind: "status", status: 429 },
  { kind: "hang" },
  { kind: "reset" },
  { kind: "close_mid_body" },
  { kind: "slow" },
  { kind: "html", status: 502 },
  { kind: "truncated_json" },
  { kind: "huge_stream" },
  { kind: "revoke" },
];

/**
 * A seeded pseudo-random generator (mulberry32): numbers in [0, 1).
 *
 * @param seed The seed.
 * @returns The generator.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ParsedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readRequest(reader: ConnReader): Promise<ParsedRequest | null> {
  const wire = await readHttpRequest(reader);
  if (wire === null) return null;
  const headers = new Headers();
  for (const [name, value] of wire.headers) {
    try {
      headers.append(name, value);
    } catch {
      // not a header line
    }
  }
  return { method: wire.method, path: wire.target, headers, body: wire.body };
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string | Uint8Array;
}

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function serialize(answer: Answer, options: { length?: boolean; close?: boolean } = {}): {
  head: Uint8Array;
  body: Uint8Array;
} {
  const body = typeof answer.body === "string" ? encoder.encode(answer.body) : answer.body;
  const lines = [`HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? "Status"}`];
  for (const [k, v] of Object.entries(answer.headers ?? {})) lines.push(`${k}: ${v}`);
  if (options.length !== false) lines.push(`content-length: ${body.length}`);
  lines.push(`connection: ${options.close ? "close" : "keep-alive"}`);
  return { head: encoder.encode(lines.join("\r\n") + "\r\n\r\n"), body };
}

const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

/**
 * Starts a fault server on 127.0.0.1, a free port.
 *
 * @param options Token lifetime, refresh token rotation and the random fault mix.
 * @returns The running server; close it.
 */
export function startFaultServer(options: FaultServerOptions = {}): FaultServer {
  const lifetime = options.tokenLifetime ?? 3_600_000;
  const rotate = options.rotateRefreshTokens ?? true;
  const rate = options.faultRate ?? 0;
  const mix = {
    token: options.faults?.token ?? TOKEN_FAULTS,
    api: options.faults?.api ?? API_FAULTS,
  };
  const random = seededRandom(options.seed ?? 1);
  const slowDelay = options.slowByteDelay ?? 1;
  const listener = listenRaw(handle);
  const { origin, port } = listener;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const queues: Record<FaultTarget, Fault[]> = { token: [], api: [] };
  const counters: FaultCounters = {
    tokenRequests: 0,
    tokenRequestsByGrant: {},
    tokensIssued: 0,
    apiRequests: 0,
    api200: 0,
    api401: 0,
    apiUnknownToken: 0,
    refreshReuse: 0,
    faults: {},
  };
  const issued: string[] = [];
  const apiAuthorizations: (string | null)[] = [];
  const accessTokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  const refreshTokens = new Map<string, { used: boolean }>();
  let serial = 0;
  let closing = false;

  function pick(target: FaultTarget): Fault {
    const queued = queues[target].shift();
    if (queued !== undefined) return queued;
    if (rate > 0 && random() < rate) {
      const list = mix[target];
      return list[Math.floor(random() * list.length)];
    }
    return { kind: "ok" };
  }

  function issue(withRefresh: boolean): Answer {
    serial++;
    const accessToken = `at-${port}-${serial}-${crypto.randomUUID()}`;
    accessTokens.set(accessToken, { expiresAt: Date.now() + lifetime, revoked: false });
    issued.push(accessToken);
    counters.tokensIssued++;
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: Math.max(1, Math.round(lifetime / 1000)),
    };
    if (withRefresh) {
      const refreshToken = `rt-${port}-${serial}-${crypto.randomUUID()}`;
      refreshTokens.set(refreshToken, { used: false });
      body.refresh_token = refreshToken;
    }
    return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(body) };
  }

  function oauthError(status: number, error: string, description?: string): Answer {
    return {
      status,
      headers: JSON_HEADERS,
      body: JSON.stringify({ error, error_description: description }),
    };
  }

  function tokenEndpoint(request: ParsedRequest): Answer {
    if (request.method !== "POST") return oauthError(400, "invalid_request", "POST only");
    const form = new URLSearchParams(decoder.decode(request.body));
    const grant = form.get("grant_type") ?? "";
    counters.tokenRequestsByGrant[grant] = (counters.tokenRequestsByGrant[grant] ?? 0) + 1;
    switch (grant) {
      case "client_credentials":
        return issue(options.refreshWithClientCredentials ?? false);
      case "password":
        if (form.get("username") === null || form.get("password") === null) {
          return oauthError(400, "invalid_request", "username and password required");
        }
        return issue(true);
      case "refresh_token": {
        const presented = form.get("refresh_token") ?? "";
        const entry = refreshTokens.get(presented);
        if (entry === undefined) return oauthError(400, "invalid_grant", "unknown refresh token");
        if (entry.used) {
          counters.refreshReuse++;
          return oauthError(400, "invalid_grant", "refresh token already used");
        }
        if (rotate) entry.used = true;
        const answer = issue(rotate);
        return answer;
      }
      default:
        return oauthError(400, "unsupported_grant_type");
    }
  }

  function apiEndpoint(request: ParsedRequest, fault: Fault): Answer {
    const header = request.headers.get("authorization");
    apiAuthorizations.push(header);
    const token = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    const entry = token === undefined ? undefined : accessTokens.get(token);
    if (entry === undefined) counters.apiUnknownToken++;
    if (fault.kind === "revoke" && entry !== undefined) entry.revoked = true;
    if (entry === undefined || entry.revoked || entry.expiresAt <= Date.now()) {
      counters.api401++;
      return {
        status: 401,
        headers: {
          ...JSON_HEADERS,
          "www-authenticate": 'Bearer realm="api", error="invalid_token"',
        },
        body: JSON.stringify({ error: "invalid_token" }),
      };
    }
    counters.api200++;
    return {
      status: 200,
      headers: JSON_HEADERS,
      body: JSON.stringify({
        ok: true,
        path: request.path,
        method: request.method,
        echo: decoder.decode(request.body),
      }),
    };
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const id = setTimeout(() => {
        timers.delete(id);
        resolve();
      }, ms);
      timers.add(id);
    });
  }

  async function respond(
    conn: Deno.Conn,
    reader: ConnReader,
    request: ParsedRequest,
  ): Promise<boolean> {
    const target: FaultTarget | undefined = request.path.startsWith("/token")
      ? "token"
      : request.path.startsWith("/api")
      ? "api"
      : undefined;
    if (target === undefined) {
      const { head, body } = serialize({ status: 404, body: "not found" });
      await writeAll(conn, head);
      await writeAll(conn, body);
      return true;
    }
    if (target === "token") counters.tokenRequests++;
    else counters.apiRequests++;
    const fault = pick(target);
    if (fault.kind !== "ok") {
      const key = `${target}:${fault.kind}${fault.status ? `:${fault.status}` : ""}`;
      counters.faults[key] = (counters.faults[key] ?? 0) + 1;
    }
    const normal = () => target === "token" ? tokenEndpoint(request) : apiEndpoint(request, fault);
    switch (fault.kind) {
      case "ok":
      case "revoke":
        break;
      case "status": {
        const status = fault.status ?? 503;
        const headers: Record<string, string> = { "content-type": "text/plain" };
        if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
        const { head, body } = serialize({ status, headers, body: `fault ${status}` });
        await writeAll(conn, head);
        await writeAll(conn, body);
        return true;
      }
      case "hang":
        await reader.drain();
        return false;
      case "reset":
        return false;
      case "stall_after_headers": {
        const { head } = serialize({ status: 200, headers: JSON_HEADERS, body: "x".repeat(200) });
        await writeAll(conn, head);
        await writeAll(conn, encoder.encode('{"access_token":"at-'));
        await reader.drain();
        return false;
      }
      case "close_mid_body": {
        const { head } = serialize({ status: 200, headers: JSON_HEADERS, body: "x".repeat(200) });
        await writeAll(conn, head);
        await writeAll(conn, encoder.encode('{"access_token":"at-partial'));
        return false;
      }
      case "slow": {
        const { head, body } = serialize(normal());
        await writeAll(conn, head);
        for (let i = 0; i < body.length && !closing; i++) {
          await writeAll(conn, body.subarray(i, i + 1));
          await sleep(slowDelay);
        }
        return !closing;
      }
      case "html": {
        const { head, body } = serialize({
          status: fault.status ?? 200,
          headers: { "content-type": "text/html" },
          body: "<html><head><title>Oops</title></head><body><h1>Bad Gateway</h1>" +
            "<p>upstream said refresh_token=leaked-in-html</p></body></html>",
        });
        await writeAll(conn, head);
        await writeAll(conn, body);
        return true;
      }
      case "truncated_json": {
        const { head, body } = serialize({
          status: 200,
          headers: JSON_HEADERS,
          body: '{"access_token":"at-trunc","token_type":"Bea',
        });
        await writeAll(conn, head);
        await writeAll(conn, body);
        return true;
      }
      case "oauth_error_200": {
        const { head, body } = serialize({
          status: 200,
          headers: JSON_HEADERS,
          body: JSON.stringify({ error: "server_error", error_description: "try later" }),
        });
        await writeAll(conn, head);
        await writeAll(conn, body);
        return true;
      }
      case "huge":
      case "huge_stream": {
        const big = new Uint8Array(2 << 20).fill(0x20);
        big[0] = 0x7b; // "{"
        const { head } = serialize(
          { status: 200, headers: JSON_HEADERS, body: big },
          { length: fault.kind === "huge", close: fault.kind === "huge_stream" },
        );
        await writeAll(conn, head);
        try {
          for (let o = 0; o < big.length && !closing; o += 65536) {
            await writeAll(conn, big.subarray(o, o + 65536));
          }
        } catch {
          // the client stopped reading at its cap and closed
        }
        return fault.kind === "huge" && !closing;
      }
    }
    const { head, body } = serialize(normal());
    await writeAll(conn, head);
    await writeAll(conn, body);
    return true;
  }

  async function handle(conn: Deno.Conn): Promise<void> {
    const reader = new ConnReader(conn);
    for (;;) {
      const request = await readRequest(reader);
      if (request === null) break;
      const keep = await respond(conn, reader, request);
      if (!keep || /close/i.test(request.headers.get("connection") ?? "")) break;
    }
  }

  return {
    origin,
    tokenUrl: `${origin}/token`,
    apiUrl: `${origin}/api/`,
    counters,
    issued,
    apiAuthorizations,
    script(target, ...faults) {
      for (const f of faults) queues[target].push(typeof f === "string" ? { kind: f } : f);
    },
    pending(target) {
      return queues[target].length;
    },
    unscript(target) {
      return queues[target].splice(0).length;
    },
    async close() {
      closing = true;
      await listener.close();
      for (const id of timers) clearTimeout(id);
      timers.clear();
      // Let connection handlers see their closed sockets.
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
}
