/**
 * Counting the CPU instructions of a Deno program with `valgrind --tool=callgrind` (every thread of
 * the process). On a machine doing nothing else the same program gives the same count within about
 * 1 % (cold start: 132.0, 132.2 and 132.0 M in three runs), where its wall time on this 2-core
 * machine moves by ±20 %. Other work on the machine still moves the count somewhat (the event loop
 * wakes more often while it waits), so compare counts taken in one quiet run. Used by
 * `bench/cold_instructions.ts` and `bench/call_instructions.ts`.
 *
 * @module
 */

/**
 * Whether valgrind is installed.
 *
 * @returns `true` when `valgrind --version` runs.
 */
export async function hasValgrind(): Promise<boolean> {
  try {
    return (await new Deno.Command("valgrind", { args: ["--version"], stdout: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

/**
 * Exits the bench with a note when valgrind is not installed (a bench that cannot run is skipped, not
 * failed: `deno task bench` goes on with the next one).
 *
 * @param bench The bench's file, for the note.
 */
export async function requireValgrind(bench: string): Promise<void> {
  if (await hasValgrind()) return;
  console.log(`${bench}: valgrind is not installed (apt-get install valgrind); skipped`);
  Deno.exit(0);
}

/**
 * Runs `deno <args>` once without valgrind (so Deno's emit and code caches are warm for the counted
 * run), then under callgrind, and returns the instructions the process executed.
 *
 * @param args The arguments after `deno`.
 * @param env Extra environment.
 * @param done A string the program prints when it succeeded.
 * @param cwd The working directory.
 * @returns The instruction count.
 * @throws {Error} When the program fails or valgrind prints no count.
 */
export async function instructions(
  args: string[],
  env: Record<string, string>,
  done: string,
  cwd: string,
): Promise<number> {
  for (let i = 0; i < 2; i++) {
    const warm = await new Deno.Command(Deno.execPath(), {
      args,
      env,
      cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!warm.success) {
      throw new Error(`deno ${args.join(" ")}: ${new TextDecoder().decode(warm.stderr)}`);
    }
  }
  const dir = await Deno.makeTempDir();
  try {
    const { success, stdout, stderr } = await new Deno.Command("valgrind", {
      args: [
        "--tool=callgrind",
        `--callgrind-out-file=${dir}/out`,
        // V8 writes and runs machine code at run time
        "--smc-check=all-non-file",
        Deno.execPath(),
        ...args,
      ],
      env,
      cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(stderr);
    if (!success || !new TextDecoder().decode(stdout).includes(done)) {
      throw new Error(`deno ${args.join(" ")} under valgrind failed:\n${log.slice(-2000)}`);
    }
    const refs = /I\s+refs:\s+([\d,]+)/.exec(log);
    if (refs === null) throw new Error("no instruction count in valgrind's output");
    return Number(refs[1].replaceAll(",", ""));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Starts `bench/compare/server.ts` in a process of its own.
 *
 * @returns Its base URL and a function that stops it.
 */
export async function startServer(): Promise<{ base: string; stop: () => Promise<void> }> {
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./compare/server.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const line = await server.stdout.pipeThrough(new TextDecoderStream()).getReader().read();
  return {
    base: `http://127.0.0.1:${Number(line.value?.trim())}`,
    stop: async () => {
      server.kill();
      await server.status;
    },
  };
}
