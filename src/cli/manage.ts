/**
 * `authfetch introspect`, `revoke` and `logout`: thin layers over {@linkcode introspect},
 * {@linkcode revoke} and the file store.
 *
 * @module
 */

import { introspect } from "../oauth/introspect.ts";
import { revoke } from "../oauth/revoke.ts";
import type { Token } from "../tokens/token.ts";
import { parse } from "./args.ts";
import { type Resolved, resolveProfile, Secrets, storeKey, storeOf } from "./config.ts";
import { type Context, say } from "./context.ts";
import { AuthFailedError, EXIT, oneLine, UsageError } from "./errors.ts";
import { endpointOptions, needEndpoint } from "./grants.ts";
import { readAllText } from "./io.ts";

async function storedToken(resolved: Resolved): Promise<Token> {
  const token = await storeOf(resolved).get(await storeKey(resolved));
  if (token === undefined) {
    const flag = resolved.name === "default" ? "" : ` --profile ${resolved.name}`;
    throw new AuthFailedError(
      `No token is stored for profile "${resolved.name}": run authfetch login${flag} (or authfetch token${flag})`,
    );
  }
  return token;
}

async function tokenFromStdin(ctx: Context): Promise<string> {
  const token = (await readAllText(ctx.io.stdin())).trim();
  if (token === "") throw new UsageError("No token on standard input");
  return token;
}

/**
 * `authfetch introspect [-]`.
 *
 * @param ctx The context.
 * @param args The arguments after `introspect`.
 * @returns The exit code.
 */
export async function introspectCommand(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parse("introspect", args, { refresh: { type: "boolean" } }, 1);
  if (positionals[0] !== undefined && positionals[0] !== "-") {
    throw new UsageError(
      "Give the token on standard input with -, not as an argument (it would be visible to other users)",
    );
  }
  const resolved = await resolveProfile(ctx.io, values);
  needEndpoint(resolved);
  let token: string;
  let hint: "access_token" | "refresh_token" | undefined;
  if (positionals[0] === "-") token = await tokenFromStdin(ctx);
  else {
    const stored = await storedToken(resolved);
    if (values.refresh) {
      if (stored.refreshToken === undefined) {
        throw new UsageError(`Profile "${resolved.name}" has no stored refresh token`);
      }
      [token, hint] = [stored.refreshToken, "refresh_token"];
    } else [token, hint] = [stored.accessToken, "access_token"];
  }
  const options = await endpointOptions(resolved, new Secrets(ctx.io, resolved.profile));
  const result = await introspect({
    ...options,
    token,
    tokenTypeHint: hint,
    introspectionUrl: resolved.profile.introspectionUrl,
    signal: ctx.io.signal,
  });
  await ctx.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  return EXIT.ok;
}

/**
 * `authfetch revoke [-]`.
 *
 * @param ctx The context.
 * @param args The arguments after `revoke`.
 * @returns The exit code.
 */
export async function revokeCommand(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parse("revoke", args, { access: { type: "boolean" } }, 1);
  if (positionals[0] !== undefined && positionals[0] !== "-") {
    throw new UsageError(
      "Give the token on standard input with -, not as an argument (it would be visible to other users)",
    );
  }
  const resolved = await resolveProfile(ctx.io, values);
  needEndpoint(resolved);
  const options = await endpointOptions(resolved, new Secrets(ctx.io, resolved.profile));
  let token: string | Token;
  const store = storeOf(resolved);
  const key = await storeKey(resolved);
  let stored: Token | undefined;
  if (positionals[0] === "-") {
    token = await tokenFromStdin(ctx);
    stored = await store.get(key);
  } else {
    stored = await storedToken(resolved);
    token = values.access ? { ...stored, refreshToken: undefined } : stored;
  }
  await revoke({
    ...options,
    token,
    revocationUrl: resolved.profile.revocationUrl,
    signal: ctx.io.signal,
  });
  await say(ctx, `Revoked.${await forget(ctx, store, key, stored, token, values.access === true)}`);
  return EXIT.ok;
}

/**
 * Takes a revoked token out of the store, so `token` never hands it out again: a revoked refresh token
 * (which servers may revoke with its access tokens) drops the whole entry; a revoked access token with a
 * refresh token beside it is marked expired, so the next `token` renews it.
 */
async function forget(
  ctx: Context,
  store: ReturnType<typeof storeOf>,
  key: string,
  stored: Token | undefined,
  revoked: string | Token,
  accessOnly: boolean,
): Promise<string> {
  if (stored === undefined) return "";
  const value = typeof revoked === "string" ? revoked : undefined;
  const hitAccess = value === undefined
    ? accessOnly || stored.refreshToken === undefined
    : value === stored.accessToken;
  const hitRefresh = value === undefined ? !accessOnly : value === stored.refreshToken;
  if (!hitAccess && !hitRefresh) return "";
  if (hitAccess && !hitRefresh && stored.refreshToken !== undefined) {
    await store.set(key, {
      ...stored,
      expiresAt: Math.min(stored.expiresAt ?? 0, ctx.io.now() - 1),
    });
    return " The stored access token is marked expired; the refresh token is kept.";
  }
  await store.delete(key);
  return " The stored token was removed.";
}

/**
 * `authfetch logout`: revokes the stored token where the server supports it, then deletes it.
 *
 * @param ctx The context.
 * @param args The arguments after `logout`.
 * @returns The exit code.
 */
export async function logoutCommand(ctx: Context, args: string[]): Promise<number> {
  const { values } = parse("logout", args, {}, 0);
  const resolved = await resolveProfile(ctx.io, values);
  const store = storeOf(resolved);
  const key = await storeKey(resolved);
  const stored = await store.get(key);
  if (stored === undefined) {
    await say(ctx, `No token is stored for profile "${resolved.name}"; nothing to do.`);
    return EXIT.ok;
  }
  let code: number = EXIT.ok;
  const p = resolved.profile;
  if (p.revocationUrl !== undefined || p.issuer !== undefined) {
    try {
      const options = await endpointOptions(resolved, new Secrets(ctx.io, p));
      await revoke({
        ...options,
        token: stored,
        revocationUrl: p.revocationUrl,
        signal: ctx.io.signal,
      });
      await say(ctx, "Revoked the token at the server.");
    } catch (error) {
      if (error instanceof TypeError && /does not advertise/.test(error.message)) {
        await say(ctx, "The server does not support revocation; deleting the stored token only.");
      } else {
        await say(
          ctx,
          ctx.paint.yellow(
            `Revocation failed (${oneLine(error)}); deleting the stored token anyway.`,
          ),
        );
        code = EXIT.failed;
      }
    }
  } else {
    await say(ctx, "No issuer or revocation URL is configured; deleting the stored token only.");
  }
  await store.delete(key);
  await say(ctx, `Logged out of profile "${resolved.name}".`);
  return code;
}
