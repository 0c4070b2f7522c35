/**
 * The strict scenarios, shared by every store kind (see `_strict.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { clean, pause, PROCESSES, type Scenario } from "./_strict.ts";

/** SIGSTOP for this long: well past the 800 ms lease TTL the scenarios use. */
const STOPPED_MS = 2_000;

/** Worker 0 refreshes first (a larger refresh window), so it is the holder the faults hit. */
const holderFirst = (index: number) => ({ refreshBefore: index === 0 ? 150 : 40 });

/** The scenarios. */
export const scenarios: Scenario[] = [
  {
    name: "steady state, 1.5 s tokens",
    expect: (t) => clean(t),
  },
  {
    name: "a refresh slower than leaseTtl (2 s vs 800 ms)",
    delay: (grant) => grant === "refresh_token" ? 2_000 : 0,
    expiresIn: 3,
    durationMs: 5_000,
    expect: (t) => clean(t),
  },
  {
    name: "the holder SIGSTOPped before it sends, past its lease",
    worker: (i) => ({ ...holderFirst(i), pauseAt: i === 0 ? "leased" : undefined }),
    onMarker: (ctx, i) => {
      ctx.workers[i].kill("SIGSTOP");
      setTimeout(() => ctx.workers[i].kill("SIGCONT"), STOPPED_MS);
    },
    durationMs: 5_000,
    expect: (t) => clean(t),
  },
  {
    name: "the holder SIGSTOPped after it sent (the library cannot prevent this reuse)",
    worker: holderFirst,
    onRequest: (ctx, grant, worker) => {
      if (grant !== "refresh_token" || worker !== "0" || stopped.has(ctx)) return;
      stopped.add(ctx);
      ctx.workers[0].kill("SIGSTOP");
      setTimeout(() => ctx.workers[0].kill("SIGCONT"), STOPPED_MS);
    },
    durationMs: 5_000,
    expect: (t) => recovered(t),
  },
  {
    name: "the holder SIGSTOPped before it writes (the library cannot prevent this reuse)",
    worker: (i) => ({ ...holderFirst(i), pauseAt: i === 0 ? "writing" : undefined }),
    onMarker: (ctx, i) => {
      ctx.workers[i].kill("SIGSTOP");
      setTimeout(() => ctx.workers[i].kill("SIGCONT"), STOPPED_MS);
    },
    durationMs: 5_000,
    expect: (t) => recovered(t),
  },
  {
    name: "token writes fail for 2 s in every process",
    worker: (_, dir) => ({ failWritesFile: `${dir}/fail-writes` }),
    during: async (ctx) => {
      const flag = `${ctx.dir}/fail-writes`;
      await pause(1_000);
      await Deno.writeTextFile(flag, "");
      await pause(2_000);
      await Deno.remove(flag);
    },
    durationMs: 4_500,
    // Each process may log in for itself once while no write lands (per-process tokens).
    expect: (t) => {
      clean(t, 1 + PROCESSES);
      assert.ok(t.storeErrors > 0, "the failed writes were reported");
    },
  },
  {
    name: "two resources and two users in one store, default keys",
    worker: () => ({
      users: ["alice", "bob"],
      resources: ["https://a.example", "https://b.example"],
    }),
    expect: (t) => clean(t, 4),
  },
  {
    name: "the token file corrupted, then the directory removed",
    kinds: ["file"],
    during: async (ctx) => {
      await pause(1_000);
      for (const entry of Deno.readDirSync(ctx.location)) {
        if (entry.name.endsWith(".json")) {
          await Deno.writeTextFile(`${ctx.location}/${entry.name}`, '{"oops": tru');
        }
      }
      await pause(1_500);
      await Deno.remove(ctx.location, { recursive: true });
    },
    durationMs: 4_000,
    // The store lost the token twice: each time one process logs in afresh for all (a token others
    // cached but the store lost may be in another holder's hands: it is never refreshed).
    expect: (t) => clean(t, 3, false),
  },
  {
    name: "Redis killed mid-refresh and restarted empty",
    kinds: ["redis"],
    delay: (grant) => grant === "refresh_token" ? 600 : 0,
    onRequest: (ctx, grant) => {
      if (grant !== "refresh_token" || stopped.has(ctx)) return;
      stopped.add(ctx);
      (async () => {
        await ctx.redis!.kill();
        await pause(400);
        await ctx.restartRedis();
      })();
    },
    durationMs: 4_000,
    expect: (t) => clean(t, 1 + PROCESSES),
  },
];

const stopped = new WeakSet<object>();

/**
 * A reuse the library cannot prevent (the paused holder's request already reached the server): the
 * server revokes the family once; the processes converge on one new family, with one extra login for
 * the whole group and no failed request.
 */
function recovered(t: Parameters<Scenario["expect"]>[0]): void {
  assert.deepEqual(t.errors, []);
  assert.equal(t.failures, 0);
  assert.ok(t.reuses <= 1, `reuses: ${t.reuses}`);
  assert.ok(t.revocations <= 1, `revocations: ${t.revocations}`);
  assert.ok(t.initialGrants <= 2, `initial grants: ${t.initialGrants}, at most 2`);
}
