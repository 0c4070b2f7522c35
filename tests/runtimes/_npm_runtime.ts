/**
 * Installs a runtime that comes from the npm registry (Node 22's `node-<os>-<cpu>` package, Bun) with
 * jose into a test directory's node_modules when missing — what tests/runtimes/node_test.ts and
 * bun_test.ts run the core's suites with.
 *
 * @module
 */

/** Whether `path` exists. */
function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `npm install` in `dir` (its package.json names the runtime and jose) unless `binary` and jose
 * are there already.
 *
 * @param dir The test directory, ending in `/`.
 * @param binary The runtime's path under `dir`.
 * @param missing What to say when npm installed no binary.
 * @returns Why the runtime cannot run, or undefined when it can.
 */
export async function installRuntime(
  dir: string,
  binary: string,
  missing: string,
): Promise<string | undefined> {
  if (exists(binary) && exists(`${dir}node_modules/jose/package.json`)) return undefined;
  try {
    const { code, stderr } = await new Deno.Command("npm", {
      args: ["install", "--prefix", dir, "--no-audit", "--no-fund"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) return `npm install failed: ${new TextDecoder().decode(stderr).slice(-500)}`;
  } catch (error) {
    return `npm is not available: ${(error as Error).message}`;
  }
  return exists(binary) ? undefined : missing;
}

/**
 * {@linkcode installRuntime}, or, when the runtime cannot be installed, a warning and an ignored step
 * that says why.
 *
 * @param t The test.
 * @param name The runtime's name, for the message.
 * @param dir The test directory, ending in `/`.
 * @param binary The runtime's path under `dir`.
 * @param missing What to say when npm installed no binary.
 * @returns Whether the runtime is there to run.
 */
export async function runtimeOrSkip(
  t: Deno.TestContext,
  name: string,
  dir: string,
  binary: string,
  missing: string,
): Promise<boolean> {
  const problem = await installRuntime(dir, binary, missing);
  if (problem === undefined) return true;
  console.warn(`${name} could not be installed, ${name} tests skipped: ${problem}`);
  await t.step({ name: `skipped: ${problem}`, ignore: true, fn: () => {} });
  return false;
}

/**
 * Runs a runtime's test command in `dir` and returns its exit code and its stdout and stderr as one text.
 *
 * @param binary The runtime.
 * @param args Its arguments.
 * @param dir Where it runs.
 * @param env Its environment.
 * @returns The exit code and the output.
 */
export async function runSuite(
  binary: string,
  args: string[],
  dir: string,
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(binary, {
    args,
    cwd: dir,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, output: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr) };
}
