/**
 * `authfetch token`: a current access token for a profile.
 *
 * @module
 */

import { parse } from "./args.ts";
import { resolveProfile } from "./config.ts";
import { type Context, profileTokens } from "./context.ts";
import { EXIT } from "./errors.ts";
import type { Token } from "../tokens/token.ts";

/**
 * The token as JSON for `--json`: everything but the refresh token, with the expiry as a date.
 *
 * @param token The token.
 * @param now The clock, epoch ms.
 * @returns A plain object.
 */
export function tokenJson(token: Token, now: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    access_token: token.accessToken,
    token_type: token.tokenType,
  };
  if (token.expiresAt !== undefined) {
    out.expires_at = new Date(token.expiresAt).toISOString();
    out.expires_in = Math.max(0, Math.floor((token.expiresAt - now) / 1000));
  }
  if (token.scope !== undefined) out.scope = token.scope;
  if (token.idToken !== undefined) out.id_token = token.idToken;
  if (token.issuedTokenType !== undefined) out.issued_token_type = token.issuedTokenType;
  out.has_refresh_token = token.refreshToken !== undefined;
  return out;
}

/**
 * `authfetch token [--json]`.
 *
 * @param ctx The context.
 * @param args The arguments after `token`.
 * @returns The exit code.
 */
export async function tokenCommand(ctx: Context, args: string[]): Promise<number> {
  const { values } = parse("token", args, { json: { type: "boolean" } }, 0);
  const resolved = await resolveProfile(ctx.io, values);
  const { tokens } = await profileTokens(ctx, resolved);
  const token = await tokens.getToken({ signal: ctx.io.signal });
  if (values.json) {
    await ctx.io.stdout(`${JSON.stringify(tokenJson(token, ctx.io.now()), null, 2)}\n`);
  } else {
    await ctx.io.stdout(`${token.accessToken}\n`);
  }
  return EXIT.ok;
}
