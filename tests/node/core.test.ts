/**
 * The core under Node 22+ (type stripping): pipeline, handlers, token source, and the
 * client-credentials and refresh-token grants against a local `node:http` server. Run with
 * `node --import ./resolve_jose.mjs --test core.test.ts` in this directory (tests/runtimes/node_test.ts
 * does it as part of `deno task test`). The backend's logic and the cases are shared with Bun
 * (tests/runtimes/_core_cases.ts).
 */
import { after, before, describe, test } from "node:test";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { coreBackend, coreCases, type CoreServer } from "../runtimes/_core_cases.ts";

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (text += chunk));
    request.on("end", () => resolve(text));
    request.on("error", reject);
  });
}

/** The shared backend on node:http. */
async function startServer(): Promise<CoreServer & { stop(): Promise<void> }> {
  const backend = coreBackend();
  const server: Server = createServer(async (request, response) => {
    const reply = await backend.reply({
      path: new URL(request.url ?? "/", "http://127.0.0.1").pathname,
      authorization: request.headers.authorization ?? null,
      contentType: request.headers["content-type"] ?? null,
      body: await readBody(request),
    });
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { origin, stats: backend.stats, live: backend.live, stop };
}

describe(`authfetch core on Node ${process.version}`, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());
  for (const { name, fn } of coreCases(() => server)) test(name, fn);
});
