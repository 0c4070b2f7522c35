/**
 * Helpers for the CLI tests: the CLI as a subprocess (`deno run -A src/cli/main.ts …`) and in-process
 * through `run()` with captured output.
 *
 * @module
 */

import { run } from "../../src/cli/main.ts";
import { SECRET_ENV } from "../../src/cli/config.ts";

const ROOT = new URL("../../", import.meta.url);
const MAIN = new URL("src/cli/main.ts", ROOT).pathname;

/** What a finished CLI run printed. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temporary home for the CLI: config file and token directory. */
export interface CliHome {
  dir: string;
  config: string;
  tokens: string;
  env: Record<string, string>;
  writeConfig(config: unknown): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates a temporary config directory; dispose it to remove it. */
export async function cliHome(): Promise<CliHome> {
  const dir = await Deno.makeTempDir({ prefix: "authfetch-cli-" });
  const config = `${dir}/config.json`;
  // Every secret variable is blanked so the caller's environment cannot leak into a test.
  const blank = Object.fromEntries(Object.values(SECRET_ENV).map((name) => [name, ""]));
  return {
    dir,
    config,
    tokens: `${dir}/tokens`,
    env: { ...blank, AUTHFETCH_CONFIG: config, AUTHFETCH_PROFILE: "", NO_COLOR: "1" },
    async writeConfig(value: unknown) {
      await Deno.writeTextFile(config, JSON.stringify(value, null, 2));
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** The command that runs the CLI as a subprocess. */
export function cliCommand(
  args: string[],
  env: Record<string, string>,
  stdin: "piped" | "null" = "null",
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    cwd: ROOT.pathname,
    env: { ...env, AUTHFETCH_PROFILE: env.AUTHFETCH_PROFILE ?? "" },
    stdin,
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs the CLI as a subprocess to completion. */
export async function cli(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<CliResult> {
  const child = cliCommand(args, env, stdin === undefined ? "null" : "piped").spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

/**
 * A running CLI subprocess whose standard error is read as it comes, so a test can react to a prompt.
 */
export class LiveCli {
  #child: Deno.ChildProcess;
  #stderr = "";
  #stderrDone: Promise<void>;
  #stdout: Promise<string>;
  #waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(args: string[], env: Record<string, string>) {
    const child = cliCommand(args, env).spawn();
    this.#child = child;
    this.#stdout = new Response(child.stdout).text();
    this.#stderrDone = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderr += chunk;
        this.#waiters = this.#waiters.filter((w) => {
          const m = this.#stderr.match(w.pattern);
          if (m) w.resolve(m);
          return !m;
        });
      }
    })();
  }

  /** Waits until standard error matches `pattern` (or the process ends, which throws). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    const m = this.#stderr.match(pattern);
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ pattern, resolve });
      this.#stderrDone.then(() =>
        reject(new Error(`CLI ended without printing ${pattern}; stderr:\n${this.#stderr}`))
      );
    });
  }

  /** Waits for the process to end. */
  async result(): Promise<CliResult> {
    const [{ code }, stdout] = await Promise.all([this.#child.status, this.#stdout]);
    await this.#stderrDone;
    return { code, stdout, stderr: this.#stderr };
  }

  /** Ends the process (if still running) and waits for it. */
  async kill(): Promise<void> {
    try {
      this.#child.kill();
    } catch {
      // already ended
    }
    await this.result();
  }
}

/** Runs the CLI in-process through `run()` with captured output. */
export async function runIn(
  args: string[],
  env: Record<string, string>,
  stdin = "",
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const text = (chunk: Uint8Array | string) =>
    typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  const code = await run(args, {
    stdout: (chunk) => {
      stdout += text(chunk);
      return Promise.resolve();
    },
    stderr: (chunk) => {
      stderr += text(chunk);
      return Promise.resolve();
    },
    env: (name) => env[name],
    stdin: () => new Blob([stdin]).stream(),
    stderrIsTerminal: false,
    readSecret: () => Promise.resolve(undefined),
  });
  return { code, stdout, stderr };
}
