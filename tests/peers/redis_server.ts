/**
 * Starts a real `redis-server` (Debian package `redis-server`) on a free loopback port for tests and
 * benchmarks, without persistence, and stops it.
 *
 * @module
 */

/** A running Redis server. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** The port. */
  port: number;
  /** Stops the server (SIGTERM, then waits for it to exit). */
  close(): Promise<void>;
  /** Kills the server at once (SIGKILL), losing everything it held. */
  kill(): Promise<void>;
}

/** The redis-server binary: `$REDIS_SERVER`, else the first on PATH or in /usr/bin, /usr/local/bin. */
export function redisServerPath(): string | undefined {
  const candidates = [
    Deno.env.get("REDIS_SERVER"),
    ...(Deno.env.get("PATH") ?? "").split(":").map((dir) => `${dir}/redis-server`),
    "/usr/bin/redis-server",
    "/usr/local/bin/redis-server",
  ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** A free loopback port: bind port 0, read it, close the listener. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Starts `redis-server` on 127.0.0.1 and a free port, waits until it answers PING.
 *
 * @param options A fixed port (to restart a server where clients expect it), extra arguments and
 *   the working directory (cluster nodes keep their `nodes.conf` there).
 * @returns The server, or `undefined` when redis-server is not installed.
 * @throws {Error} When it does not start within 5 s.
 */
export async function startRedisServer(
  options: { port?: number; args?: string[]; dir?: string } = {},
): Promise<RedisServer | undefined> {
  const binary = redisServerPath();
  if (binary === undefined) return undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? freePort();
    const child = new Deno.Command(binary, {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "yes",
        ...(options.args ?? []),
      ],
      cwd: options.dir,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      if (await ping(port)) {
        return {
          url: `redis://127.0.0.1:${port}`,
          port,
          close: async () => {
            try {
              child.kill("SIGTERM");
            } catch {
              // already gone
            }
            await child.status;
          },
          kill: async () => {
            try {
              child.kill("SIGKILL");
            } catch {
              // already gone
            }
            await child.status;
          },
        };
      }
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 25)),
      ]);
      if (exited) break; // port taken meanwhile: try another
    }
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
  }
  throw new Error("redis-server did not answer PING within 5 s");
}

async function ping(port: number): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(16);
    const n = await conn.read(buffer);
    return n !== null && new TextDecoder().decode(buffer.subarray(0, n)).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}
