/**
 * A raw HTTP/1.1 server on `Deno.listen` for the `fetch` tests: it records each request's exact bytes
 * (request line, header lines as sent, body) and answers what a route says, one request per connection
 * (`connection: close`). It can also stall (never answer), to test `--max-time`.
 *
 * @module
 */

import { concat, ConnReader, listenRaw, readHttpRequest, writeAll } from "../peers/raw_socket.ts";

/** A request as it arrived. */
export interface RawRequest {
  method: string;
  target: string;
  /** Header lines as sent, names lower-cased: `["content-type", "application/json"]`. */
  headers: [string, string][];
  body: Uint8Array;
  /** The value of a header, or `undefined`. */
  header(name: string): string | undefined;
  /** The body as text. */
  text(): string;
}

/** What to answer. */
export interface RawAnswer {
  status?: number;
  reason?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (the connection stays open until the server closes). */
  stall?: boolean;
}

/** The server. */
export interface RawServer {
  origin: string;
  requests: RawRequest[];
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Starts the server on 127.0.0.1, port 0. */
export function startRawServer(route: (request: RawRequest) => RawAnswer): RawServer {
  const requests: RawRequest[] = [];
  const { origin, close } = listenRaw(async (conn) => {
    const reader = new ConnReader(conn);
    const wire = await readHttpRequest(reader);
    if (wire === null) return; // closed early
    const { method, target, headers, body } = wire;
    const request: RawRequest = {
      method,
      target,
      headers,
      body,
      header: (name) => headers.find(([n]) => n === name.toLowerCase())?.[1],
      text: () => decoder.decode(body),
    };
    requests.push(request);
    const answer = route(request);
    if (answer.stall) {
      await reader.drain(); // until the client gives up
      return;
    }
    const payload = encoder.encode(answer.body ?? "");
    const status = answer.status ?? 200;
    let head = `HTTP/1.1 ${status} ${answer.reason ?? (status === 200 ? "OK" : "Status")}\r\n`;
    for (const [name, value] of Object.entries(answer.headers ?? {})) {
      head += `${name}: ${value}\r\n`;
    }
    head += `content-length: ${payload.length}\r\nconnection: close\r\n\r\n`;
    await writeAll(
      conn,
      concat([encoder.encode(head), method === "HEAD" ? new Uint8Array() : payload]),
    );
  });
  return { origin, requests, close };
}
