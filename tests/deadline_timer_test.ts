import assert from "node:assert/strict";
import { runningDeadlines } from "../src/deadline_timer.ts";
import { startDeadline } from "../src/deadline.ts";
import { TimeoutError } from "../src/errors.ts";

const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) =>
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true })
  );

Deno.test("startDeadline() aborts with a TimeoutError carrying its message when the time is up", async () => {
  const deadline = startDeadline(3, undefined, () => "POST https://as.example/token timed out");
  const reason = await aborted(deadline.signal);
  assert.ok(reason instanceof TimeoutError);
  assert.equal((reason as TimeoutError).message, "POST https://as.example/token timed out");
  assert.equal(runningDeadlines(), 0);
  deadline.clear(); // idempotent after firing
});

Deno.test("startDeadline() fires deadlines in order of expiry, whatever order they started in", async () => {
  const order: number[] = [];
  const waits = [6, 2, 4].map((ms) => {
    const deadline = startDeadline(ms, undefined, () => `${ms}`);
    return aborted(deadline.signal).then(() => order.push(ms));
  });
  await Promise.all(waits);
  assert.deepEqual(order, [2, 4, 6]);
});

Deno.test("startDeadline() drops a cleared deadline at once and never fires it", async () => {
  const before = runningDeadlines();
  const deadlines = Array.from({ length: 1_000 }, () => startDeadline(60_000, undefined, () => ""));
  assert.equal(runningDeadlines(), before + 1_000);
  for (const deadline of deadlines) deadline.clear();
  assert.equal(runningDeadlines(), before);
  // a short deadline started afterwards still fires, on a clock armed for it
  const short = startDeadline(2, undefined, () => "short");
  await aborted(short.signal);
  assert.ok(deadlines.every((d) => !d.signal.aborted));
});

Deno.test("startDeadline() fires after an earlier deadline was cleared and its clock ran out unheard", async () => {
  // The first deadline arms the clock for 2 ms and is cleared at once; the clock then fires with no
  // listener. A later, longer deadline must not wait on that spent clock.
  startDeadline(2, undefined, () => "cleared").clear();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const later = startDeadline(5, undefined, () => "later");
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error("the later deadline never fired")), 1_000);
    later.signal.addEventListener("abort", () => {
      clearTimeout(guard);
      resolve();
    });
  });
  assert.ok(later.signal.reason instanceof TimeoutError);
  assert.equal(later.signal.reason.message, "later");
});

Deno.test("startDeadline() longer than a timer can hold (2^31 ms) neither fires early nor spins", async () => {
  const original = AbortSignal.timeout;
  let arms = 0;
  AbortSignal.timeout = (ms: number) => {
    arms++;
    return original.call(AbortSignal, ms);
  };
  try {
    const long = startDeadline(2 ** 32, undefined, () => "long");
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(long.signal.aborted, false);
    // one clock, armed for the longest delay a timer holds: a longer one would fire at once, again
    // and again
    assert.equal(arms, 1);
    long.clear();
  } finally {
    AbortSignal.timeout = original;
  }
});

Deno.test("startDeadline() passes the caller's abort through at once, with the caller's reason", () => {
  const caller = new AbortController();
  const deadline = startDeadline(60_000, caller.signal, () => "late");
  const reason = new DOMException("user gave up", "AbortError");
  caller.abort(reason);
  assert.equal(deadline.signal.aborted, true);
  assert.equal(deadline.signal.reason, reason);
  deadline.clear();
});

Deno.test("a process whose deadlines were all cleared exits by itself, the clock still armed", async () => {
  const script = `import { startDeadline } from ${
    JSON.stringify(new URL("../src/deadline.ts", import.meta.url).href)
  };
const a = startDeadline(60_000, undefined, () => "a");
const b = startDeadline(30_000, undefined, () => "b");
a.clear();
b.clear();
console.log("done");`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-lock", script],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const watchdog = setTimeout(() => {
    killed = true;
    child.kill();
  }, 20_000);
  const { stdout, stderr } = await child.output();
  clearTimeout(watchdog);
  assert.equal(killed, false, "the process was kept alive by a cleared deadline");
  assert.equal(new TextDecoder().decode(stdout).trim(), "done", new TextDecoder().decode(stderr));
});
