/**
 * The pieces every raw `Deno.listen` HTTP/1.1 peer in the tests shares: a listener that tracks its
 * connections and closes them all on `close()`, a buffered connection reader, and a request reader
 * that keeps the head's bytes as sent (request line, header lines with lower-cased names, in order)
 * and the body (`content-length`, or de-chunked `transfer-encoding: chunked`). Used by
 * tests/cli/_raw_http.ts, tests/peers/strict_http_server.ts, tests/peers/fault_server.ts and
 * tests/reliability/exchange_deadlines_test.ts.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRLF = encoder.encode("\r\n");
const CRLF2 = encoder.encode("\r\n\r\n");

/** Where `needle` starts in `haystack`, or -1. */
export function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The parts joined. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes every byte. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += await conn.write(bytes.subarray(offset));
}

/** Reads a connection through a buffer. */
export class ConnReader {
  #conn: Deno.Conn;
  #buf: Uint8Array = new Uint8Array(0);
  /** @param conn The connection. */
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }
  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(65536);
    const n = await this.#conn.read(chunk);
    if (n === null) return false;
    this.#buf = concat([this.#buf, chunk.subarray(0, n)]);
    return true;
  }
  /** The bytes up to `pattern` (consumed, not returned), or null when the peer closes first. */
  async until(pattern: Uint8Array): Promise<Uint8Array | null> {
    for (;;) {
      const at = indexOf(this.#buf, pattern);
      if (at >= 0) {
        const out = this.#buf.slice(0, at);
        this.#buf = this.#buf.slice(at + pattern.length);
        return out;
      }
      if (!await this.#fill()) return null;
    }
  }
  /** The next `n` bytes, or null when the peer closes first. */
  async exactly(n: number): Promise<Uint8Array | null> {
    while (this.#buf.length < n) if (!await this.#fill()) return null;
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }
  /** Resolves when the peer closes (or the connection errors), discarding what it sends. */
  async drain(): Promise<void> {
    try {
      while (await this.#fill()) this.#buf = new Uint8Array(0);
    } catch {
      // closed
    }
  }
}

/** One request as it came off the wire. */
export interface WireRequest {
  /** The request line, `POST /ok/x HTTP/1.1`. */
  line: string;
  method: string;
  /** The request target, `/ok/x`. */
  target: string;
  /** Header lines as sent (name lower-cased), in order. */
  headers: [string, string][];
  /** The body bytes after de-chunking. */
  body: Uint8Array;
  /** `true` when the body came with `Transfer-Encoding: chunked`. */
  chunked: boolean;
}

/**
 * Reads one request.
 *
 * @param reader The connection's reader.
 * @returns The request, or null when the peer closed before a whole one arrived.
 */
export async function readHttpRequest(reader: ConnReader): Promise<WireRequest | null> {
  const head = await reader.until(CRLF2);
  if (head === null) return null;
  const [line, ...rest] = decoder.decode(head).split("\r\n");
  const [method, target] = line.split(" ");
  const headers = rest.map((h): [string, string] => {
    const colon = h.indexOf(":");
    return colon < 0
      ? [h.toLowerCase(), ""]
      : [h.slice(0, colon).toLowerCase(), h.slice(colon + 1).trim()];
  });
  const get = (name: string) => headers.find(([n]) => n === name)?.[1];
  const chunked = /chunked/i.test(get("transfer-encoding") ?? "");
  let body: Uint8Array = new Uint8Array(0);
  if (chunked) {
    const parts: Uint8Array[] = [];
    for (;;) {
      const sizeLine = await reader.until(CRLF);
      if (sizeLine === null) return null;
      const size = parseInt(decoder.decode(sizeLine).split(";")[0], 16);
      if (size === 0) {
        if (await reader.until(CRLF) === null) return null;
        break;
      }
      const part = await reader.exactly(size + 2);
      if (part === null) return null;
      parts.push(part.subarray(0, size));
    }
    body = concat(parts);
  } else {
    const length = Number(get("content-length") ?? 0);
    if (length > 0) {
      const read = await reader.exactly(length);
      if (read === null) return null;
      body = read;
    }
  }
  return { line, method, target, headers, body, chunked };
}

/** A listening raw peer. */
export interface RawListener {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** Stops listening, closes every open connection and waits for the accept loop to end. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1, port 0, and runs `handle` for each connection; the connection is closed when
 * `handle` settles (an error in it is a client that went away) or when the listener closes.
 *
 * @param handle Serves one connection.
 * @returns The listener.
 */
export function listenRaw(handle: (conn: Deno.Conn) => Promise<void>): RawListener {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const conns = new Set<Deno.Conn>();
  const close = (conn: Deno.Conn) => {
    try {
      conn.close();
    } catch {
      // closed already
    }
  };
  const serve = async (conn: Deno.Conn) => {
    conns.add(conn);
    try {
      await handle(conn);
    } catch {
      // the client went away
    } finally {
      conns.delete(conn);
      close(conn);
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) serve(conn);
    } catch {
      // closed
    }
  })();
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    async close() {
      try {
        listener.close();
      } catch {
        // closed already
      }
      for (const conn of conns) close(conn);
      await accepting;
    },
  };
}
