/**
 * Argument parsing with `node:util`'s `parseArgs` (strict), errors turned into one-line usage errors.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { UsageError } from "./errors.ts";
import { PROFILE_OPTIONS } from "./config.ts";

/** A `parseArgs` option definition. */
export type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean }
>;

/** What {@linkcode parse} returns. */
export interface Parsed {
  /** The options by long name. */
  values: Record<string, unknown>;
  /** The positional arguments. */
  positionals: string[];
  /** The options in command-line order (for options whose order matters, like curl's `-d`). */
  ordered: { name: string; value: string | undefined }[];
}

/**
 * Parses a command's arguments: the profile and global options plus the command's own.
 *
 * @param command The command's name, for messages.
 * @param args The arguments after the command.
 * @param options The command's own options.
 * @param maxPositionals How many positional arguments the command takes.
 * @returns The values and positionals.
 * @throws {UsageError} On an unknown option, a missing value or too many arguments.
 */
export function parse(
  command: string,
  args: string[],
  options: OptionSpec,
  maxPositionals: number,
): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...PROFILE_OPTIONS, ...options },
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
  } catch (error) {
    const message = (error as Error).message.split(/\.\s/)[0].replace(/\.$/, "");
    throw new UsageError(`${message} (see authfetch ${command} --help)`);
  }
  if (!parsed.values.help && parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).map((a) =>
      JSON.stringify(a.slice(0, 40))
    );
    throw new UsageError(
      `Unexpected argument ${extra.join(" ")} (see authfetch ${command} --help)`,
    );
  }
  const ordered = (parsed.tokens ?? []).flatMap((t) =>
    t.kind === "option" ? [{ name: t.name, value: t.value }] : []
  );
  return {
    values: parsed.values as Record<string, unknown>,
    positionals: parsed.positionals,
    ordered,
  };
}

/**
 * A number option in seconds, as milliseconds.
 *
 * @param name The option, for messages.
 * @param value Its text.
 * @param fallback The default, ms.
 * @returns Milliseconds.
 * @throws {UsageError} When it is not a positive number.
 */
export function seconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a positive number of seconds, not "${value}"`);
  }
  return n * 1000;
}
