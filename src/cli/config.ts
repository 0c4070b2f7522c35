/**
 * Profiles: the config file (where it is, what it holds), command-line overrides, and secrets from
 * environment variables or a prompt that does not echo.
 *
 * @module
 */

import { FileStore } from "../stores/file.ts";
import type { ClientAuthMethod } from "../oauth/client_auth.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./errors.ts";

/** The grants a profile can use. */
export const GRANTS = [
  "client_credentials",
  "password",
  "refresh_token",
  "existing_token",
  "jwt_bearer",
  "token_exchange",
  "json_login",
  "device_code",
  "authorization_code",
  "api_key",
] as const;

/** A grant name. */
export type GrantName = typeof GRANTS[number];

/** The secrets a profile may need, each read from an environment variable. */
export const SECRET_ENV = {
  clientSecret: "AUTHFETCH_CLIENT_SECRET",
  password: "AUTHFETCH_PASSWORD",
  refreshToken: "AUTHFETCH_REFRESH_TOKEN",
  accessToken: "AUTHFETCH_ACCESS_TOKEN",
  assertion: "AUTHFETCH_ASSERTION",
  privateKey: "AUTHFETCH_PRIVATE_KEY",
  subjectToken: "AUTHFETCH_SUBJECT_TOKEN",
  actorToken: "AUTHFETCH_ACTOR_TOKEN",
  apiKey: "AUTHFETCH_API_KEY",
} as const;

/** A secret's name. */
export type SecretName = keyof typeof SECRET_ENV;

/** One profile of the config file. No secrets: they come from the environment or a prompt. */
export interface Profile {
  /** How tokens are obtained. */
  grant?: GrantName;
  /** The issuer; endpoints not given are discovered from it. */
  issuer?: string;
  /** The token endpoint. */
  tokenUrl?: string;
  /** The authorization endpoint (loopback login). */
  authorizationUrl?: string;
  /** The device authorization endpoint (device login). */
  deviceAuthorizationUrl?: string;
  /** The revocation endpoint. */
  revocationUrl?: string;
  /** The introspection endpoint. */
  introspectionUrl?: string;
  /** The client id. */
  clientId?: string;
  /** The client authentication method. */
  clientAuth?: ClientAuthMethod;
  /** The scope, space-separated. */
  scope?: string;
  /** The audience (Auth0, token exchange). */
  audience?: string;
  /** Resource indicators. */
  resource?: string | string[];
  /** The user name (password and JSON login grants). */
  username?: string;
  /** The JSON field carrying the user name (JSON login). */
  usernameField?: string;
  /** The login URL (JSON login). */
  loginUrl?: string;
  /** The refresh URL (JSON login). */
  refreshUrl?: string;
  /** The response field with the access token (JSON login). */
  accessField?: string;
  /** The response field with the refresh token (JSON login). */
  refreshField?: string;
  /** `iss` of signed JWT bearer assertions. */
  assertionIssuer?: string;
  /** `sub` of signed JWT bearer assertions. */
  assertionSubject?: string;
  /** `subject_token_type` (token exchange). */
  subjectTokenType?: string;
  /** `requested_token_type` (token exchange). */
  requestedTokenType?: string;
  /** The header carrying the API key (api_key). */
  apiKeyHeader?: string;
  /** The query parameter carrying the API key instead (api_key). */
  apiKeyQuery?: string;
  /** Origins that may receive the token besides `https:` and loopback. */
  origins?: string[];
  /** Allow plain `http:` endpoints that are not loopback. */
  allowInsecureHttp?: boolean;
  /** Environment variable names to read secrets from instead of the `AUTHFETCH_*` defaults. */
  env?: Partial<Record<SecretName, string>>;
}

/** The config file: `{ "defaultProfile": "work", "profiles": { "work": { … } } }`. */
export interface Config {
  /** The profile used without `--profile`. */
  defaultProfile?: string;
  /** The profiles by name. */
  profiles: Record<string, Profile>;
}

/** Where things are. */
export interface Paths {
  /** The config file. */
  config: string;
  /** The token store directory. */
  tokens: string;
}

function home(io: CliIo): string {
  const dir = io.env("HOME") ?? io.env("USERPROFILE");
  if (!dir) throw new UsageError("Cannot find the config directory: set HOME or AUTHFETCH_CONFIG");
  return dir;
}

/**
 * The config file and token directory: `--config`, else `$AUTHFETCH_CONFIG`, else
 * `$XDG_CONFIG_HOME/authfetch/config.json`, else `~/.config/authfetch/config.json`; tokens in
 * `$AUTHFETCH_TOKEN_DIR`, else `tokens/` next to the config file.
 *
 * @param io The environment.
 * @param flag The `--config` value.
 * @returns The paths.
 */
export function paths(io: CliIo, flag?: string): Paths {
  const config = flag ?? io.env("AUTHFETCH_CONFIG") ?? (() => {
    const xdg = io.env("XDG_CONFIG_HOME");
    return `${xdg ? xdg : `${home(io)}/.config`}/authfetch/config.json`;
  })();
  const slash = Math.max(config.lastIndexOf("/"), config.lastIndexOf("\\"));
  const dir = slash === -1 ? "." : config.slice(0, slash);
  return { config, tokens: io.env("AUTHFETCH_TOKEN_DIR") ?? `${dir}/tokens` };
}

/**
 * Reads the config file; a missing file is an empty config.
 *
 * @param path The file.
 * @returns The config.
 * @throws {UsageError} When the file is not valid JSON or not shaped like a config.
 */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { profiles: {} };
    throw new UsageError(`Cannot read the config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const config = parsed as Config;
  if (
    typeof config !== "object" || config === null || typeof config.profiles !== "object" ||
    config.profiles === null || Array.isArray(config.profiles)
  ) {
    throw new UsageError(`The config file ${path} must be an object with a "profiles" object`);
  }
  for (const [name, profile] of Object.entries(config.profiles)) {
    checkProfile(profile, `profile "${name}" in ${path}`);
  }
  return config;
}

function checkProfile(profile: Profile, where: string): void {
  if (typeof profile !== "object" || profile === null || Array.isArray(profile)) {
    throw new UsageError(`The ${where} must be an object`);
  }
  if (profile.grant !== undefined && !GRANTS.includes(profile.grant)) {
    throw new UsageError(
      `The ${where} has grant "${profile.grant}"; use one of ${GRANTS.join(", ")}`,
    );
  }
}

/** Command-line flags that override profile settings (`--token-url` for `tokenUrl`, …). */
export const PROFILE_FLAGS = {
  grant: "grant",
  issuer: "issuer",
  "token-url": "tokenUrl",
  "authorization-url": "authorizationUrl",
  "device-authorization-url": "deviceAuthorizationUrl",
  "revocation-url": "revocationUrl",
  "introspection-url": "introspectionUrl",
  "client-id": "clientId",
  "client-auth": "clientAuth",
  scope: "scope",
  audience: "audience",
  username: "username",
  "login-url": "loginUrl",
  "refresh-url": "refreshUrl",
} as const satisfies Record<string, keyof Profile>;

/** `parseArgs` option definitions for the profile flags and the global ones. */
export const PROFILE_OPTIONS = {
  profile: { type: "string", short: "p" },
  config: { type: "string" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  resource: { type: "string", multiple: true },
  origin: { type: "string", multiple: true },
  "allow-insecure-http": { type: "boolean" },
  ...Object.fromEntries(Object.keys(PROFILE_FLAGS).map((k) => [k, { type: "string" }])),
} as Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/** A profile chosen and completed with the command line's overrides. */
export interface Resolved {
  /** The profile's name. */
  name: string;
  /** Its settings, flags applied. */
  profile: Profile;
  /** The config and token paths. */
  paths: Paths;
  /** Whether the profile exists in the config file. */
  saved: boolean;
}

/**
 * Picks the profile (`--profile`, else `$AUTHFETCH_PROFILE`, else the config's `defaultProfile`, else
 * `default`) and applies the command-line overrides.
 *
 * @param io The environment.
 * @param values The parsed flags.
 * @returns The resolved profile.
 * @throws {UsageError} When a named profile does not exist, or a flag value is invalid.
 */
export async function resolveProfile(
  io: CliIo,
  values: Record<string, unknown>,
): Promise<Resolved> {
  const where = paths(io, values.config as string | undefined);
  const config = await loadConfig(where.config);
  const named = (values.profile as string | undefined) ?? io.env("AUTHFETCH_PROFILE");
  const name = named ?? config.defaultProfile ?? "default";
  const stored = config.profiles[name];
  if (stored === undefined && named !== undefined) {
    const known = Object.keys(config.profiles);
    throw new UsageError(
      `No profile "${name}" in ${where.config}` +
        (known.length ? ` (profiles: ${known.join(", ")})` : " (it has no profiles)"),
    );
  }
  const profile: Profile = { ...stored };
  const target = profile as Record<string, unknown>;
  for (const [flag, key] of Object.entries(PROFILE_FLAGS)) {
    if (values[flag] !== undefined) target[key] = values[flag];
  }
  if (values.resource !== undefined) profile.resource = values.resource as string[];
  if (values.origin !== undefined) {
    profile.origins = [...(profile.origins ?? []), ...(values.origin as string[])];
  }
  if (values["allow-insecure-http"]) profile.allowInsecureHttp = true;
  checkProfile(profile, "profile");
  return { name, profile, paths: where, saved: stored !== undefined };
}

/**
 * The token store of the CLI.
 *
 * @param resolved The profile.
 * @returns A {@linkcode FileStore} in the token directory.
 */
export function storeOf(resolved: Resolved): FileStore {
  return new FileStore({ directory: resolved.paths.tokens });
}

/**
 * The store key of a profile's tokens: its name plus a hash of what identifies the tokens (grant,
 * endpoints, client, scope, audience, user), so changing a profile or a flag never hands out a token
 * obtained with other settings.
 *
 * @param resolved The profile.
 * @returns The key.
 */
export async function storeKey(resolved: Resolved): Promise<string> {
  const p = resolved.profile;
  const identity = JSON.stringify([
    p.grant,
    p.issuer,
    p.tokenUrl,
    p.loginUrl,
    p.clientId,
    p.scope,
    p.audience,
    p.resource,
    p.username,
    p.assertionIssuer,
    p.assertionSubject,
  ]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(identity));
  const hash = Array.from(
    new Uint8Array(digest).subarray(0, 6),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  return `cli-${resolved.name}-${hash}`;
}

/** Reads the secrets a profile needs: its environment variable, else a prompt that does not echo. */
export class Secrets {
  #io: CliIo;
  #profile: Profile;
  #cache = new Map<SecretName, string | undefined>();

  /**
   * Creates the reader.
   *
   * @param io The environment and prompt.
   * @param profile The profile (its `env` may rename variables).
   */
  constructor(io: CliIo, profile: Profile) {
    this.#io = io;
    this.#profile = profile;
  }

  /**
   * The environment variable for a secret.
   *
   * @param name The secret.
   * @returns The variable's name.
   */
  variable(name: SecretName): string {
    return this.#profile.env?.[name] ?? SECRET_ENV[name];
  }

  /**
   * A secret from the environment only.
   *
   * @param name The secret.
   * @returns Its value, or `undefined`.
   */
  optional(name: SecretName): string | undefined {
    const value = this.#io.env(this.variable(name));
    return value === "" ? undefined : value;
  }

  /**
   * A secret from the environment, else asked for on the terminal.
   *
   * @param name The secret.
   * @param label How to ask for it.
   * @returns Its value.
   * @throws {UsageError} When it is not set and there is no terminal to ask on.
   */
  async required(name: SecretName, label: string): Promise<string> {
    if (this.#cache.has(name)) return this.#cache.get(name)!;
    const value = this.optional(name) ?? (await this.#io.readSecret(`${label}: `));
    if (value === undefined || value === "") {
      throw new UsageError(
        `The ${label.toLowerCase()} is needed: set ${this.variable(name)} ` +
          "(or run on a terminal to be asked for it)",
      );
    }
    this.#cache.set(name, value);
    return value;
  }
}
