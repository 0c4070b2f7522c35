/**
 * The core under Bun: pipeline, handlers, token source, and the client-credentials and refresh-token
 * grants against a local server started with `Bun.serve`. Run with `bun test` in this directory
 * (tests/runtimes/bun_test.ts does it as part of `deno task test`). The backend's logic and the cases
 * are shared with Node (tests/runtimes/_core_cases.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { signState, verifyState } from "../../mod.ts";
import { coreBackend, coreCases, type CoreServer } from "../runtimes/_core_cases.ts";

/** The shared backend on Bun.serve. */
function startServer(): CoreServer & { stop(): Promise<void> } {
  const backend = coreBackend();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request: Request) {
      const reply = await backend.reply({
        path: new URL(request.url).pathname,
        authorization: request.headers.get("authorization"),
        contentType: request.headers.get("content-type"),
        body: request.body ? await request.text() : "",
      });
      return new Response(reply.body === "" ? null : reply.body, {
        status: reply.status,
        headers: reply.headers,
      });
    },
  });
  const origin = `http://127.0.0.1:${server.port}`;
  return { origin, stats: backend.stats, live: backend.live, stop: () => server.stop(true) };
}

describe("authfetch core on Bun", () => {
  let server: ReturnType<typeof startServer>;
  beforeAll(() => {
    server = startServer();
  });
  afterAll(() => server.stop());
  for (const { name, fn } of coreCases(() => server)) test(name, fn);
});

test("signState() and verifyState() load jose on first use", async () => {
  const options = {
    key: "k".repeat(32),
    clientId: "web",
    issuer: "https://as.example",
  };
  const state = await signState(options);
  expect(state.split(".").length).toBe(3);
  expect((await verifyState(state, options)).expiresAt).toBeGreaterThan(
    Date.now(),
  );
});
