/**
 * A strict HTTP/1.1 peer on a raw `Deno.listen` socket, for checking request framing byte by byte: it
 * records the exact request head and body bytes and, like servers that need `Content-Length`, answers
 * `411 Length Required` to a chunked request body (unless the key starts with `allow-chunked`).
 *
 * Paths (the last segment is a key chosen by the test, so every case has its own state):
 * - `/ok/<key>`: 200.
 * - `/401/<key>`: 401 `invalid_token` while `Authorization` is `Bearer old`, else 200.
 * - `/503/<key>`: 503 (`Retry-After: 0`) the first time, then 200.
 * - `/307/<key>`: 307 to `/ok/<key>` (`/308/<key>` likewise with 308).
 *
 * @module
 */

import { ConnReader, listenRaw, readHttpRequest, type WireRequest } from "./raw_socket.ts";

export type { WireRequest };

/** A running strict server. */
export interface StrictServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every request received, in order. */
  requests: WireRequest[];
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/**
 * Starts the server on 127.0.0.1, port 0.
 *
 * @returns The server.
 */
export function startStrictServer(): StrictServer {
  const requests: WireRequest[] = [];
  const seen = new Set<string>();

  async function handle(conn: Deno.Conn): Promise<void> {
    const reader = new ConnReader(conn);
    for (;;) {
      const request = await readHttpRequest(reader);
      if (request === null) break;
      requests.push(request);
      const get = (name: string) => request.headers.find(([n]) => n === name)?.[1];
      await conn.write(encoder.encode(answer(request.line, get, request.chunked)));
    }
  }

  function answer(line: string, get: (name: string) => string | undefined, chunked: boolean) {
    const path = line.split(" ")[1];
    const [, kind, key] = /^\/([^/]+)\/(.*)$/.exec(path) ?? [];
    const reply = (status: number, extra = "") =>
      `HTTP/1.1 ${status} X\r\ncontent-length: 2\r\n${extra}\r\nok`;
    if (chunked && !key.startsWith("allow-chunked")) return reply(411);
    if (kind === "401") {
      return get("authorization") === "Bearer old"
        ? reply(401, 'www-authenticate: Bearer error="invalid_token"\r\n')
        : reply(200);
    }
    if (kind === "503") {
      if (seen.has(path)) return reply(200);
      seen.add(path);
      return reply(503, "retry-after: 0\r\n");
    }
    if (kind === "307" || kind === "308") return reply(Number(kind), `location: /ok/${key}\r\n`);
    return reply(200);
  }

  const { origin, close } = listenRaw(handle);
  return { origin, requests, close };
}
