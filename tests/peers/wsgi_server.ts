/**
 * Starts tests/peers/wsgi_echo.py (Python's standard-library wsgiref) with Debian's `/usr/bin/python3`.
 *
 * @module
 */

/** A running WSGI peer. */
export interface WsgiServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Stops the server process. */
  close(): Promise<void>;
}

/**
 * Starts the WSGI echo peer on 127.0.0.1, port 0.
 *
 * @returns The server, once it listens.
 */
export async function startWsgiServer(): Promise<WsgiServer> {
  const child = new Deno.Command("/usr/bin/python3", {
    args: [new URL("./wsgi_echo.py", import.meta.url).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const port = Number((await reader.read()).value?.trim());
  if (!(port > 0)) throw new Error("the WSGI peer did not start");
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      await child.stdin.close();
      await reader.cancel().catch(() => {});
      await child.status;
    },
  };
}
