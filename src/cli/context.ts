/**
 * What every command gets: the I/O, the styles and the debug flag.
 *
 * @module
 */

import type { CliIo, Paint } from "./io.ts";
import type { ManagedTokenSource } from "../tokens/source.ts";
import { tokenSource } from "../tokens/source.ts";
import { type Resolved, Secrets, storeKey, storeOf } from "./config.ts";
import { tokenGrant } from "./grants.ts";

/** A command's surroundings. */
export interface Context {
  /** Streams, environment, prompt, signal, clock. */
  io: CliIo;
  /** Colours, or plain text. */
  paint: Paint;
  /** Set by `fetch -s`: a failed request ends with its exit code but no report on standard error. */
  quiet?: boolean;
}

/** A command: arguments in, exit code out. */
export type Command = (ctx: Context, args: string[]) => Promise<number>;

/**
 * Writes a line to standard error.
 *
 * @param ctx The context.
 * @param text The line, without its newline.
 */
export async function say(ctx: Context, text: string): Promise<void> {
  await ctx.io.stderr(`${text}\n`);
}

/**
 * The profile's token source: the file store under the profile's key, and the profile's grant.
 *
 * @param ctx The context.
 * @param resolved The profile.
 * @returns The token source and the secrets reader it uses.
 */
export async function profileTokens(
  ctx: Context,
  resolved: Resolved,
): Promise<{ tokens: ManagedTokenSource; secrets: Secrets }> {
  const secrets = new Secrets(ctx.io, resolved.profile);
  const grant = tokenGrant(resolved, secrets);
  const tokens = tokenSource(grant, {
    store: storeOf(resolved),
    key: await storeKey(resolved),
    now: ctx.io.now,
  });
  return { tokens, secrets };
}
