/**
 * The worker half of the start handshake that tests/stores/_workers.ts `spawnWorkerScript()` drives:
 * print `ready`, then wait for the line (`go`) that lets every worker start at once.
 *
 * @module
 */

/** Prints `ready` and resolves when a line arrives on stdin. */
export async function readyThenWaitForGo(): Promise<void> {
  console.log("ready");
  const reader = Deno.stdin.readable.getReader();
  await reader.read();
  reader.releaseLock();
}
