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

/** One request as it came off the wire. */
export interface WireRequest {
  /** The request line, `POST /ok/x HTTP/1.1`. */
  line: string;
  /** Header lines as sent (name lowercased), in order. */
  headers: [string, string][];
  /** The body bytes after de-chunking. */
  body: Uint8Array;
  /** `true` when the body came with `Transfer-Encoding: chunked`. */
  chunked: boolean;
}

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
const decoder = new TextDecoder();

/**
 * Starts the server on 127.0.0.1, port 0.
 *
 * @returns The server.
 */
export function startStrictServer(): StrictServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const origin = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  const requests: WireRequest[] = [];
  const seen = new Set<string>();
  const conns = new Set<Deno.Conn>();

  async function handle(conn: Deno.Conn): Promise<void> {
    conns.add(conn);
    const reader = new Reader(conn);
    try {
      for (;;) {
        const head = await reader.until("\r\n\r\n");
        if (head === null) break;
        const [line, ...rest] = decoder.decode(head).split("\r\n");
        const headers = rest.map((h): [string, string] => {
          const colon = h.indexOf(":");
          return [h.slice(0, colon).toLowerCase(), h.slice(colon + 1).trim()];
        });
        const get = (name: string) => headers.find(([n]) => n === name)?.[1];
        const chunked = /chunked/i.test(get("transfer-encoding") ?? "");
        let body: Uint8Array = new Uint8Array(0);
        if (chunked) {
          const parts: Uint8Array[] = [];
          for (;;) {
            const size = parseInt(decoder.decode((await reader.until("\r\n"))!), 16);
            if (size === 0) {
              await reader.until("\r\n");
              break;
            }
            parts.push((await reader.exactly(size))!);
            await reader.exactly(2);
          }
          body = concat(parts);
        } else if (get("content-length") !== undefined) {
          body = (await reader.exactly(Number(get("content-length"))))!;
        }
        requests.push({ line, headers, body, chunked });
        await conn.write(encoder.encode(answer(line, get, chunked)));
      }
    } catch {
      // the client went away
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // closed already
      }
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

  const accepting = (async () => {
    try {
      for await (const conn of listener) handle(conn);
    } catch {
      // closed
    }
  })();

  return {
    origin,
    requests,
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // closed already
        }
      }
      await accepting;
    },
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

class Reader {
  #conn: Deno.Conn;
  #buf: Uint8Array = new Uint8Array(0);
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
  async until(text: string): Promise<Uint8Array | null> {
    const needle = encoder.encode(text);
    for (;;) {
      const at = find(this.#buf, needle);
      if (at >= 0) {
        const out = this.#buf.slice(0, at);
        this.#buf = this.#buf.slice(at + needle.length);
        return out;
      }
      if (!await this.#fill()) return null;
    }
  }
  async exactly(n: number): Promise<Uint8Array | null> {
    while (this.#buf.length < n) if (!await this.#fill()) return null;
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }
}

function find(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
