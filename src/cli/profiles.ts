/**
 * `authfetch profiles`: the config file's profiles, with whether a token is stored; never secrets.
 *
 * @module
 */

import { redactObject } from "../redact.ts";
import { parse } from "./args.ts";
import { loadConfig, paths, type Resolved, storeKey, storeOf } from "./config.ts";
import type { Context } from "./context.ts";
import { EXIT, UsageError } from "./errors.ts";
import { duration } from "./io.ts";

async function tokenState(ctx: Context, resolved: Resolved): Promise<string> {
  const token = await storeOf(resolved).get(await storeKey(resolved)).catch(() => undefined);
  if (token === undefined) return "no token stored";
  const parts: string[] = [];
  if (token.expiresAt !== undefined) {
    const left = (token.expiresAt - ctx.io.now()) / 1000;
    parts.push(left > 0 ? `access token valid for ${duration(left)}` : "access token expired");
  } else parts.push("access token stored");
  if (token.refreshToken !== undefined) parts.push("refresh token stored");
  return parts.join(", ");
}

/**
 * `authfetch profiles [show [NAME]] [--json]`.
 *
 * @param ctx The context.
 * @param args The arguments after `profiles`.
 * @returns The exit code.
 */
export async function profilesCommand(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parse("profiles", args, { json: { type: "boolean" } }, 2);
  const [action, named] = positionals;
  if (action !== undefined && action !== "show" && action !== "list") {
    throw new UsageError(
      `Unknown profiles action "${action}": use "show NAME" (or nothing to list)`,
    );
  }
  const where = paths(ctx.io, values.config as string | undefined);
  const config = await loadConfig(where.config);
  const fallback = (values.profile as string | undefined) ?? ctx.io.env("AUTHFETCH_PROFILE") ??
    config.defaultProfile ?? "default";
  if (action === "show") {
    const name = named ?? fallback;
    const profile = config.profiles[name];
    if (profile === undefined) throw new UsageError(`No profile "${name}" in ${where.config}`);
    const state = await tokenState(ctx, { name, profile, paths: where, saved: true });
    const shown = redactObject(profile) as Record<string, unknown>;
    if (values.json) {
      await ctx.io.stdout(`${JSON.stringify({ name, ...shown, token: state }, null, 2)}\n`);
    } else {
      const lines = [`Profile "${name}" (${where.config})`];
      for (const [k, v] of Object.entries(shown)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
      lines.push(`  token: ${state}`);
      await ctx.io.stdout(`${lines.join("\n")}\n`);
    }
    return EXIT.ok;
  }
  const rows: Record<string, unknown>[] = [];
  for (const [name, profile] of Object.entries(config.profiles)) {
    rows.push({
      name,
      default: name === fallback,
      grant: profile.grant,
      issuer: profile.issuer ?? profile.tokenUrl ?? profile.loginUrl,
      clientId: profile.clientId,
      token: await tokenState(ctx, { name, profile, paths: where, saved: true }),
    });
  }
  if (values.json) {
    await ctx.io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  } else if (rows.length === 0) {
    await ctx.io.stdout(`No profiles in ${where.config} (see authfetch --help for its format)\n`);
  } else {
    const lines = rows.map((r) =>
      `${r.default ? "*" : " "} ${r.name}  ${r.grant ?? "(grant from flags/env)"}  ${
        r.issuer ?? ""
      }  ${r.clientId ?? ""}  [${r.token}]`
    );
    await ctx.io.stdout(`${lines.join("\n")}\n`);
  }
  return EXIT.ok;
}
