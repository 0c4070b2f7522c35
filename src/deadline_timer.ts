/**
 * The clock of deadlines, without `setTimeout`: every running deadline (`src/deadline.ts`) waits on one shared clock, an
 * `AbortSignal.timeout` armed for the earliest of them. A deadline that is cleared is dropped from
 * the set at once and holds nothing; the clock, when it fires, aborts what has expired and re-arms
 * itself for the next. The clock is listened to only while a deadline runs: Deno keeps a process
 * alive for a timeout signal with listeners, so once the last deadline is cleared the armed timer
 * is left without any and the process can exit. Deno 2.9 loads its Node-compatible timers on a process's first `setTimeout`
 * (about 8 ms and 3.5 MB on a 2-core machine, `bench/compare.ts`), a cost a timer that exists only to
 * be cleared should not put on every cold start; `AbortSignal.timeout` has no such cost, never keeps a
 * process alive, and, shared, leaves at most one armed timer behind however many deadlines ran.
 *
 * @module
 */

interface Entry {
  at: number;
  fire: () => void;
}

const MAX_DELAY = 2 ** 31 - 1;
const running = new Set<Entry>();
/** The armed clock and when it fires; it is listened to only while a deadline runs. */
let clock: AbortSignal | undefined;
let clockAt = Infinity;

function arm(at: number): void {
  // A clock that fired while nobody listened (every deadline was cleared before it) is spent: an
  // abort event is dispatched once, so a listener added now would never run.
  if (clock?.aborted) {
    clock = undefined;
    clockAt = Infinity;
  }
  if (clock !== undefined && clockAt <= at) {
    // Listening refs the timer (Deno keeps the event loop alive for a timeout signal with listeners);
    // adding the same listener again is a no-op.
    clock.addEventListener("abort", tick);
    return;
  }
  clock?.removeEventListener("abort", tick);
  clockAt = at;
  // a timer holds at most 2^31 - 1 ms (a longer one fires at once); the tick re-arms for the rest
  clock = AbortSignal.timeout(Math.min(MAX_DELAY, Math.max(0, Math.ceil(at - performance.now()))));
  clock.addEventListener("abort", tick);
}

function tick(): void {
  clock = undefined;
  clockAt = Infinity;
  const now = performance.now();
  const expired: Entry[] = [];
  let next = Infinity;
  for (const entry of running) {
    if (entry.at <= now) expired.push(entry);
    else if (entry.at < next) next = entry.at;
  }
  for (const entry of expired) running.delete(entry);
  if (next !== Infinity) arm(next);
  // earliest first, as separate timers would have fired on time
  for (const entry of expired.sort((a, b) => a.at - b.at)) entry.fire();
}

/**
 * Calls `fire` once `ms` have passed, unless the returned function is called first.
 *
 * @param ms The delay, ms.
 * @param fire What to do when the time is up.
 * @returns A function that cancels it (idempotent; a no-op once it has fired).
 */
export function schedule(ms: number, fire: () => void): () => void {
  const entry: Entry = { at: performance.now() + ms, fire };
  running.add(entry);
  arm(entry.at);
  return () => {
    running.delete(entry);
    // Nothing left: stop listening, so the armed timer no longer keeps the process alive.
    if (running.size === 0) clock?.removeEventListener("abort", tick);
  };
}

/**
 * How many deadlines are running (for tests).
 *
 * @returns The count.
 */
export function runningDeadlines(): number {
  return running.size;
}
