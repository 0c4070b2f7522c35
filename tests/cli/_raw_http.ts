/**
 * A raw HTTP/1.1 server on `Deno.listen` for the `fetch` tests: it records each request's exact bytes
 * (request line, header lines as sent, body) and answers what a route says, one request per connection
 * (`connection: close`). It can also stall (never answer), to test `--max-time`.
 *
 * @module
 */

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

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Starts the server on 127.0.0.1, port 0. */
export function startRawServer(route: (request: RawRequest) => RawAnswer): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: RawRequest[] = [];
  const conns = new Set<Deno.Conn>();
  const handle = async (conn: Deno.Conn) => {
    conns.add(conn);
    try {
      let buffer = new Uint8Array(0);
      const chunk = new Uint8Array(16384);
      const more = async () => {
        const n = await conn.read(chunk);
        if (n === null) throw new Error("closed early");
        const next = new Uint8Array(buffer.length + n);
        next.set(buffer);
        next.set(chunk.subarray(0, n), buffer.length);
        buffer = next;
      };
      const crlf2 = encoder.encode("\r\n\r\n");
      while (indexOf(buffer, crlf2) === -1) await more();
      const end = indexOf(buffer, crlf2);
      const [line, ...lines] = decoder.decode(buffer.subarray(0, end)).split("\r\n");
      const [method, target] = line.split(" ");
      const headers = lines.map((l) => {
        const colon = l.indexOf(":");
        return [l.slice(0, colon).toLowerCase(), l.slice(colon + 1).trim()] as [string, string];
      });
      const length = Number(headers.find(([n]) => n === "content-length")?.[1] ?? 0);
      while (buffer.length < end + 4 + length) await more();
      const body = buffer.slice(end + 4, end + 4 + length);
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
        await conn.read(chunk).catch(() => null); // until the client gives up
        return;
      }
      const payload = encoder.encode(answer.body ?? "");
      const status = answer.status ?? 200;
      let head = `HTTP/1.1 ${status} ${answer.reason ?? (status === 200 ? "OK" : "Status")}\r\n`;
      for (const [name, value] of Object.entries(answer.headers ?? {})) {
        head += `${name}: ${value}\r\n`;
      }
      head += `content-length: ${payload.length}\r\nconnection: close\r\n\r\n`;
      const bytes = new Uint8Array([
        ...encoder.encode(head),
        ...(method === "HEAD" ? [] : payload),
      ]);
      for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
    } catch {
      // a client that went away
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) handle(conn);
  })().catch(() => {});
  return {
    origin: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    requests,
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
      await accepting;
    },
  };
}
