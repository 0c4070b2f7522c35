import assert from "node:assert/strict";
import { startFaultServer } from "../peers/fault_server.ts";

Deno.test("every call against a stalling, trickling or resetting peer ends within its deadline with the documented error, and the process exits at once", async () => {
  // One byte per second for "slow"; the child's deadlines are 300 ms.
  const server = startFaultServer({ slowByteDelay: 1000 });
  try {
    server.script("token", "stall_after_headers", "slow", "close_mid_body", "hang");
    server.script(
      "api",
      "stall_after_headers",
      "slow",
      "close_mid_body",
      "stall_after_headers",
      "slow",
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_deadline_child.ts", import.meta.url).pathname,
        server.tokenUrl,
        server.apiUrl,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let ended = 0;
    while (!text.includes("END\n")) {
      const { done, value } = await lines.read();
      if (done) break;
      text += value;
      if (text.includes("END\n")) ended = performance.now();
    }
    const status = await child.status;
    const exitedAfter = performance.now() - ended;
    await lines.cancel();
    assert.ok(ended > 0, `the child ended its calls: ${text}`);
    assert.equal(status.code, 0);
    const calls = text.trim().split("\n").slice(0, -1).map((line) => JSON.parse(line));
    const expected: Record<string, string> = {
      "token: headers then silence": "TimeoutError",
      "token: one byte per second": "TimeoutError",
      "token: reset mid-body": "TokenResponseError",
      "token: shared request, every waiter aborts": "AbortError",
      "api: headers then silence, timeout(ms, { body: true })": "TimeoutError",
      "api: one byte per second, timeout(ms, { body: true })": "TimeoutError",
      "api: reset mid-body": "TypeError",
      "api: headers then silence, caller aborts the body read, timeout() in the pipeline":
        "AbortError",
      "api: one byte per second, caller aborts the body read, no timeout()": "AbortError",
    };
    assert.deepEqual(
      Object.fromEntries(calls.map((c) => [c.name, c.error])),
      expected,
    );
    // Deadlines are 300 ms (aborts at 150 ms); without them these calls take minutes or never end.
    for (const c of calls) assert.ok(c.ms < 2_000, `${c.name} took ${c.ms} ms`);
    assert.ok(
      exitedAfter < 1_000,
      `the process exited ${Math.round(exitedAfter)} ms after its last call`,
    );
    assert.equal(server.pending("token"), 0);
    assert.equal(server.pending("api"), 0);
  } finally {
    await server.close();
  }
});
