/**
 * The authfetch command line: log in, get tokens and call APIs from the terminal. Every command is a thin
 * layer over the library: `login` (device flow, or authorization code with PKCE through a loopback
 * redirect), `token`, `fetch` (through `retry()` and `auth()`), `decode`, `introspect`, `revoke`,
 * `logout` and `profiles`.
 *
 * Run it with `deno run -A jsr:@authfetch/authfetch/cli --help` (or `deno task cli` in the repository).
 * Profiles live in `$AUTHFETCH_CONFIG`, else `$XDG_CONFIG_HOME/authfetch/config.json`, else
 * `~/.config/authfetch/config.json`; secrets come from `AUTHFETCH_*` environment variables or a prompt
 * that does not echo. Exit codes: 0 ok, 1 failed, 2 usage error, 3 authentication failed, 6 host not
 * resolved, 7 network failure, 22 HTTP error status (`fetch`), 28 timed out, 47 too many redirects.
 *
 * {@linkcode run} runs a command in-process with injectable I/O, for embedding and tests.
 *
 * @example
 * ```ts
 * import { run } from "@authfetch/authfetch/cli";
 *
 * let out = "";
 * const code = await run(["--version"], {
 *   stdout: (chunk) => {
 *     out += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
 *     return Promise.resolve();
 *   },
 * });
 * console.log(code, out); // 0 "authfetch 0.1.0\n"
 * ```
 *
 * @module
 */

import { type CliIo, cliIo, paint, useColor } from "./io.ts";
import { details, EXIT, exitCodeOf, oneLine, UsageError } from "./errors.ts";
import { COMMAND_HELP, MAIN_HELP } from "./help.ts";
import { VERSION } from "./version.ts";
import type { Command, Context } from "./context.ts";
import { tokenCommand } from "./token.ts";
import { loginCommand } from "./login.ts";
import { fetchCommand } from "./fetch.ts";
import { decodeCommand } from "./decode.ts";
import { introspectCommand, logoutCommand, revokeCommand } from "./manage.ts";
import { profilesCommand } from "./profiles.ts";

export type { CliIo } from "./io.ts";
export { EXIT } from "./errors.ts";
export { VERSION } from "./version.ts";

const COMMANDS: Record<string, Command> = {
  login: loginCommand,
  token: tokenCommand,
  fetch: fetchCommand,
  decode: decodeCommand,
  introspect: introspectCommand,
  revoke: revokeCommand,
  logout: logoutCommand,
  profiles: profilesCommand,
};

/**
 * Runs the CLI with `args` (without the program name) and returns the exit code instead of exiting.
 * Errors are reported on one line on standard error (with the stack under `--debug`); secrets are
 * never written except the access token that `token` prints.
 *
 * @param args The command line, e.g. `["token", "--profile", "work"]`.
 * @param io Streams, environment, prompt, signal and clock to use instead of the process's.
 * @returns The exit code: 0 ok, 1 failed, 2 usage error, 3 authentication failed, 6 host not
 * resolved, 7 network failure, 22 HTTP error status, 28 timed out, 47 too many redirects.
 * @example
 * ```ts
 * import { run } from "@authfetch/authfetch/cli";
 * const code = await run(["decode", "not-a-jwt"], { stderr: () => Promise.resolve() });
 * console.log(code); // 2
 * ```
 */
export async function run(args: string[], io: Partial<CliIo> = {}): Promise<number> {
  const full = cliIo(io);
  const ctx: Context = { io: full, paint: paint(useColor(full)) };
  const debug = args.includes("--debug");
  const [command, ...rest] = args;
  try {
    if (command === undefined) {
      await full.stderr(MAIN_HELP);
      return EXIT.usage;
    }
    if (command === "--help" || command === "-h" || command === "help") {
      const topic = command === "help" ? rest[0] : undefined;
      if (topic !== undefined && COMMAND_HELP[topic] === undefined) {
        throw new UsageError(`Unknown command "${topic}" (see authfetch --help)`);
      }
      await full.stdout(topic === undefined ? MAIN_HELP : `${COMMAND_HELP[topic]}\n`);
      return EXIT.ok;
    }
    if (command === "--version" || command === "-V") {
      await full.stdout(`authfetch ${VERSION}\n`);
      return EXIT.ok;
    }
    const handler = COMMANDS[command];
    if (handler === undefined) {
      throw new UsageError(
        command.startsWith("-")
          ? `Put options after the command: authfetch COMMAND ${command} … (see authfetch --help)`
          : `Unknown command "${command.slice(0, 40)}" (see authfetch --help)`,
      );
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      await full.stdout(`${COMMAND_HELP[command]}\n`);
      return EXIT.ok;
    }
    return await handler(ctx, rest);
  } catch (error) {
    const code = exitCodeOf(error);
    const label = code === EXIT.usage
      ? "usage error"
      : code === EXIT.auth
      ? "authentication failed"
      : code === EXIT.resolve || code === EXIT.network
      ? "network error"
      : code === EXIT.timeout
      ? "timed out"
      : "error";
    if (ctx.quiet && code !== EXIT.usage && !debug) return code;
    await full.stderr(`${ctx.paint.red(`authfetch: ${label}:`)} ${oneLine(error)}\n`);
    if (debug) await full.stderr(`${details(error)}\n`);
    return code;
  }
}

if (import.meta.main) {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(new DOMException("interrupted", "AbortError"));
  try {
    Deno.addSignalListener("SIGINT", onInterrupt);
  } catch {
    // No signal support (Windows without a console): Ctrl-C ends the process as usual.
  }
  const code = await run(Deno.args, { signal: controller.signal });
  Deno.exit(controller.signal.aborted && code !== EXIT.ok ? 130 : code);
}
