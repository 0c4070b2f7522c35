/**
 * `authfetch profiles`: the config file's profiles, with whether a token is stored; never secrets.
 *
 * @module
 */

import { REDACTED, redactObject } from "../redact.ts";
import { parse } from "./args.ts";
import { loadConfig, paths, type Profile, type Resolved, storeKey, storeOf } from "./config.ts";
import type { Context } from "./context.ts";
import { EXIT, UsageError } from "./errors.ts";
import { duration } from "./io.ts";

/** What is stored for a profile, as fields (`profiles --json`). */
interface TokenState {
  /** Whether a token is stored. */
  stored: boolean;
  /** When the access token expires, ISO 8601; absent when unknown. */
  expiresAt?: string;
  /** Seconds until it expires (0 when expired). */
  expiresIn?: number;
  /** Whether the access token has expired. */
  expired?: boolean;
  /** Whether a refresh token is stored. */
  hasRefreshToken?: boolean;
}

async function tokenState(ctx: Context, resolved: Resolved): Promise<TokenState> {
  const token = await storeOf(resolved).get(await storeKey(resolved)).catch(() => undefined);
  if (token === undefined) return { stored: false };
  const state: TokenState = { stored: true };
  if (token.expiresAt !== undefined) {
    const left = Math.floor((token.expiresAt - ctx.io.now()) / 1000);
    state.expiresAt = new Date(token.expiresAt).toISOString();
    state.expiresIn = Math.max(0, left);
    state.expired = left <= 0;
  }
  state.hasRefreshToken = token.refreshToken !== undefined;
  return state;
}

function stateText(state: TokenState): string {
  if (!state.stored) return "no token stored";
  const parts: string[] = [];
  if (state.expired === undefined) parts.push("access token stored");
  else if (state.expired) parts.push("access token expired");
  else parts.push(`access token valid for ${duration(state.expiresIn!)}`);
  if (state.hasRefreshToken) parts.push("refresh token stored");
  return parts.join(", ");
}

/** The profile for display: secret-looking values redacted, but `env` (variable names) as it is. */
function shownProfile(profile: Profile): Record<string, unknown> {
  const { env, ...rest } = profile;
  const shown = redactObject(rest) as Record<string, unknown>;
  if (env !== undefined) {
    // Names of environment variables are not secrets; anything else there is not shown.
    shown.env = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, typeof v === "string" ? v : REDACTED]),
    );
  }
  return shown;
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
    const shown = shownProfile(profile);
    if (values.json) {
      await ctx.io.stdout(`${JSON.stringify({ name, ...shown, token: state }, null, 2)}\n`);
    } else {
      const lines = [`Profile "${name}" (${where.config})`];
      for (const [k, v] of Object.entries(shown)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
      lines.push(`  token: ${stateText(state)}`);
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
      }  ${r.clientId ?? ""}  [${stateText(r.token as TokenState)}]`
    );
    await ctx.io.stdout(`${lines.join("\n")}\n`);
  }
  return EXIT.ok;
}
