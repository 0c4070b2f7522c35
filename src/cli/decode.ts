/**
 * `authfetch decode`: a JWT's header and claims, optionally verified against a JWKS.
 *
 * @module
 */

import { discover } from "../oauth/discovery.ts";
import { endpointUrl } from "../http.ts";
import { parse } from "./args.ts";
import { loadConfig, paths } from "./config.ts";
import type { Context } from "./context.ts";
import { AuthFailedError, EXIT, UsageError } from "./errors.ts";
import { duration, readAllText } from "./io.ts";
import { loadJose } from "../lazy_jose.ts";

const OPTIONS = {
  json: { type: "boolean" },
  verify: { type: "boolean" },
  "jwks-url": { type: "string" },
} as const;

const TIME_CLAIMS = ["exp", "iat", "nbf", "auth_time"];

function timeNote(name: string, value: unknown, now: number): string {
  if (typeof value !== "number") return "";
  const date = new Date(value * 1000).toISOString();
  const delta = value - now / 1000;
  if (name === "exp") {
    return ` (${date}, ${
      delta > 0 ? `expires in ${duration(delta)}` : `expired ${duration(delta)} ago`
    })`;
  }
  if (name === "nbf" && delta > 0) return ` (${date}, not valid for another ${duration(delta)})`;
  return ` (${date}, ${duration(delta)} ago)`;
}

async function issuerOf(
  ctx: Context,
  values: Record<string, unknown>,
): Promise<string | undefined> {
  if (values.issuer !== undefined) return values.issuer as string;
  const where = paths(ctx.io, values.config as string | undefined);
  const config = await loadConfig(where.config);
  const name = (values.profile as string | undefined) ?? ctx.io.env("AUTHFETCH_PROFILE") ??
    config.defaultProfile ?? "default";
  return config.profiles[name]?.issuer;
}

/**
 * `authfetch decode [JWT | -]`.
 *
 * @param ctx The context.
 * @param args The arguments after `decode`.
 * @returns The exit code.
 */
export async function decodeCommand(ctx: Context, args: string[]): Promise<number> {
  const { values, positionals } = parse("decode", args, OPTIONS, 1);
  const given = positionals[0];
  if (given === undefined && ctx.io.stdinIsTerminal) {
    throw new UsageError(
      "decode needs a JWT: pass it as an argument, pipe it in (authfetch token | authfetch decode), " +
        "or give - to paste it",
    );
  }
  if (given === "-" && ctx.io.stdinIsTerminal) {
    await ctx.io.stderr("Paste the JWT, then press Enter and Ctrl-D:\n");
  }
  const jwt = (given === undefined || given === "-" ? await readAllText(ctx.io.stdin()) : given)
    .trim();
  if (jwt === "") throw new UsageError("decode needs a JWT, as an argument or on standard input");
  const { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } = await loadJose();
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    claims = decodeJwt(jwt) as Record<string, unknown>;
  } catch {
    const parts = jwt.split(".").length;
    throw new UsageError(
      parts === 5
        ? "This is an encrypted JWT (JWE); it cannot be decoded without the key"
        : `This is not a JWT (a signed JWT has 3 dot-separated parts; this has ${parts})`,
    );
  }

  let verified: string | undefined;
  if (values.verify) {
    const allowInsecure = values["allow-insecure-http"] === true;
    const issuer = await issuerOf(ctx, values);
    let jwksUrl = values["jwks-url"] as string | undefined;
    if (jwksUrl === undefined) {
      if (issuer === undefined) {
        throw new UsageError("--verify needs --issuer, a profile with an issuer, or --jwks-url");
      }
      const metadata = await discover(issuer, {
        allowInsecureHttp: allowInsecure,
        signal: ctx.io.signal,
      });
      if (typeof metadata.jwks_uri !== "string") {
        throw new UsageError(`The issuer ${issuer} advertises no jwks_uri; pass --jwks-url`);
      }
      jwksUrl = metadata.jwks_uri;
    }
    const keys = createRemoteJWKSet(endpointUrl(jwksUrl, "--jwks-url", allowInsecure));
    try {
      await jwtVerify(jwt, keys, {
        issuer,
        audience: values.audience as string | undefined,
        currentDate: new Date(ctx.io.now()),
      });
    } catch (error) {
      throw new AuthFailedError(`The JWT did not verify: ${(error as Error).message}`);
    }
    verified = `signature valid (key ${header.kid ?? "without kid"} from ${jwksUrl})` +
      (issuer !== undefined ? `, issuer ${issuer}` : "");
  }

  if (values.json) {
    const out: Record<string, unknown> = { header, claims };
    if (verified !== undefined) out.verified = true;
    await ctx.io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    return EXIT.ok;
  }
  const now = ctx.io.now();
  const lines = ["Header:"];
  for (const [k, v] of Object.entries(header)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  lines.push("Claims:");
  for (const [k, v] of Object.entries(claims)) {
    lines.push(`  ${k}: ${JSON.stringify(v)}${TIME_CLAIMS.includes(k) ? timeNote(k, v, now) : ""}`);
  }
  lines.push(
    verified !== undefined ? `Signature: ${verified}` : "Signature: not checked (use --verify)",
  );
  await ctx.io.stdout(`${lines.join("\n")}\n`);
  return EXIT.ok;
}
