/**
 * {@linkcode FileStore}: tokens in JSON files, one per key, shared by the processes of one machine
 * (CLI invocations, workers), with a lock file as the cross-process lease. Deno only.
 *
 * Files are written atomically (a temporary file in the same directory, then a rename) with mode
 * 0600 in a directory of mode 0700 (created again if removed while in use); a symbolic link in place of
 * a token file is refused; a corrupt or foreign file is moved aside as `<name>.corrupt-<timestamp>`
 * (kept for inspection) and read as missing. Permission errors are `store_error`s that say what to fix.
 *
 * @example
 * ```ts
 * import { clientCredentials, tokenSource } from "@authfetch/authfetch";
 * import { FileStore } from "@authfetch/authfetch/file";
 *
 * const tokens = tokenSource(clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-cli",
 *   clientSecret: "s3cret",
 * }), { store: new FileStore({ directory: "/tmp/my-cli-tokens" }) });
 * // const { accessToken } = await tokens.getToken();
 * ```
 *
 * @module
 */

import { AuthFetchError } from "../errors.ts";
import type { Lease, TokenStore } from "../tokens/store.ts";
import type { Token } from "../tokens/token.ts";
import { parseRecord, toRecord } from "./_record.ts";

/**
 * Options of {@linkcode FileStore}.
 *
 * @example
 * ```ts
 * import { FileStore, type FileStoreOptions } from "@authfetch/authfetch/file";
 * const options: FileStoreOptions = { directory: "/tmp/my-cli-tokens", now: Date.now };
 * const store = new FileStore(options);
 * ```
 */
export interface FileStoreOptions {
  /**
   * The directory of the token files; created with mode 0700 when missing.
   * @default `$XDG_CONFIG_HOME/authfetch`, else `~/.config/authfetch`; on Windows `%APPDATA%\authfetch`
   */
  directory?: string;
  /** The clock, epoch ms, for lock expiry and backup names. @default Date.now */
  now?: () => number;
}

interface LockContent {
  id: string;
  until: number;
  pid: number;
}

/**
 * A {@linkcode TokenStore} keeping each key's token in its own JSON file
 * `{ "authfetch": 1, "version": n, "token": {...} }`.
 *
 * Its lease is a lock file next to the token file, created exclusively, holding its expiry; a lock
 * left by a crashed process is taken over once expired. Writes made through the lease are fenced:
 * refused when another process holds the lock now or the file's version changed since the lock was
 * taken.
 *
 * @example
 * ```ts
 * import { FileStore } from "@authfetch/authfetch/file";
 * const store = new FileStore({ directory: await Deno.makeTempDir() });
 * await store.set("github", { accessToken: "a", tokenType: "Bearer" });
 * console.log((await store.get("github"))?.accessToken); // "a"
 * ```
 */
export class FileStore implements TokenStore {
  /** The directory holding the token files. */
  readonly directory: string;
  #now: () => number;

  /**
   * Creates the store; nothing is touched on disk until first use.
   *
   * @param options The directory and clock.
   * @throws {TypeError} When no directory is given and none can be derived from the environment.
   */
  constructor(options: FileStoreOptions = {}) {
    this.directory = options.directory ?? defaultDirectory();
    this.#now = options.now ?? Date.now;
  }

  /**
   * The file that holds `key`'s token: a readable part of the key plus a hash of all of it.
   *
   * @param key The key.
   * @returns The file's path.
   */
  async path(key: string): Promise<string> {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
    const hash = Array.from(
      new Uint8Array(digest).subarray(0, 8),
      (b) => b.toString(16).padStart(2, "0"),
    )
      .join("");
    const readable = key.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 48);
    return join(this.directory, `${readable === "" ? "token" : readable}-${hash}.json`);
  }

  /**
   * Reads a token.
   *
   * @param key The key.
   * @returns The stored token, or `undefined` when there is no file, or it was corrupt or foreign
   *   (it is then moved aside as `<name>.corrupt-<timestamp>`, kept for inspection).
   * @throws {AuthFetchError} `store_error` when the file is a symbolic link or cannot be read.
   */
  async get(key: string): Promise<Token | undefined> {
    return (await this.#readOrSetAside(await this.path(key)))?.token;
  }

  /**
   * Writes a token atomically, raising the file's version. A corrupt file is kept as a copy first.
   *
   * @param key The key.
   * @param token The token.
   * @throws {AuthFetchError} `store_error` when the target is a symbolic link or cannot be written.
   */
  async set(key: string, token: Token): Promise<void> {
    const path = await this.path(key);
    await this.#write(path, (await this.#version(path)) + 1, token);
  }

  /**
   * Deletes a token file; a corrupt one is kept as a copy instead.
   *
   * @param key The key.
   * @throws {AuthFetchError} `store_error` when the target is a symbolic link.
   */
  async delete(key: string): Promise<void> {
    const path = await this.path(key);
    if ((await this.#version(path)) === 0) return;
    await Deno.remove(path).catch(ignoreNotFound);
  }

  /**
   * Takes the lease on `key` by creating its lock file exclusively; an expired lock is taken over.
   *
   * @param key The key.
   * @param ttlMs How long the lease lasts unless released.
   * @returns The lease, or `undefined` when another process holds it.
   */
  async acquire(key: string, ttlMs: number): Promise<Lease | undefined> {
    await this.#ensureDirectory();
    const path = await this.path(key);
    const lock = `${path}.lock`;
    const id = crypto.randomUUID();
    for (let attempt = 0; attempt < 3; attempt++) {
      const content: LockContent = { id, until: this.#now() + ttlMs, pid: Deno.pid };
      try {
        await Deno.writeTextFile(lock, JSON.stringify(content), { createNew: true, mode: 0o600 });
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) {
          await this.#ensureDirectory(); // the directory was removed meanwhile: create it again
          continue;
        }
        if (!(error instanceof Deno.errors.AlreadyExists)) {
          throw storeError(`create ${lock}`, error, this.directory);
        }
        const held = await this.#readLock(lock, ttlMs);
        if (held === undefined) continue; // released meanwhile: try again
        if (!held.expired) return undefined;
        await breakLock(lock, held.text);
        continue;
      }
      const version = await this.#version(path).catch(() => 0);
      return this.#lease(path, lock, id, version);
    }
    return undefined;
  }

  #lease(path: string, lock: string, id: string, version: number): Lease {
    return {
      set: async (token: Token): Promise<boolean> => {
        const held = await this.#readLock(lock, Infinity);
        if (held !== undefined && held.id !== id && !held.expired) return false;
        if ((await this.#version(path)) !== version) return false;
        await this.#write(path, version + 1, token);
        return true;
      },
      renew: async (ttlMs: number): Promise<boolean> => {
        const held = await this.#readLock(lock, Infinity);
        if (held !== undefined && held.id !== id && !held.expired) return false;
        if ((await this.#version(path)) !== version) return false;
        const content: LockContent = { id, until: this.#now() + ttlMs, pid: Deno.pid };
        if (held === undefined) {
          // Gone (removed by hand, or the directory was): take it again, exclusively.
          await this.#ensureDirectory();
          try {
            await Deno.writeTextFile(lock, JSON.stringify(content), {
              createNew: true,
              mode: 0o600,
            });
            return true;
          } catch (error) {
            if (error instanceof Deno.errors.AlreadyExists) return false;
            throw storeError(`create ${lock}`, error, this.directory);
          }
        }
        // Ours (or expired and untouched): replace it atomically with the later expiry.
        const temporary = `${lock}.tmp-${crypto.randomUUID()}`;
        try {
          await Deno.writeTextFile(temporary, JSON.stringify(content), { mode: 0o600 });
          await Deno.rename(temporary, lock);
        } catch (error) {
          await Deno.remove(temporary).catch(() => {});
          throw storeError(`renew ${lock}`, error, this.directory);
        }
        return true;
      },
      release: async (): Promise<void> => {
        const held = await this.#readLock(lock, Infinity);
        if (held?.id === id) await Deno.remove(lock).catch(ignoreNotFound);
      },
    };
  }

  /** The lock's content and whether it expired; `undefined` when there is no lock. */
  async #readLock(
    lock: string,
    ttlMs: number,
  ): Promise<{ id?: string; expired: boolean; text: string } | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(lock);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw storeError(`read ${lock}`, error, this.directory);
    }
    const now = this.#now();
    try {
      const content = JSON.parse(text) as LockContent;
      if (typeof content.id === "string" && typeof content.until === "number") {
        return { id: content.id, expired: content.until <= now, text };
      }
    } catch {
      // Being written, or damaged: judged by its age below.
    }
    const info = await Deno.stat(lock).catch(() => undefined);
    const age = info?.mtime ? now - info.mtime.getTime() : Infinity;
    return { expired: age > ttlMs, text };
  }

  /** The file's version: 0 when absent; a corrupt file is moved aside (kept) and counts as absent. */
  async #version(path: string): Promise<number> {
    return (await this.#readOrSetAside(path))?.version ?? 0;
  }

  /** The file's record; a corrupt or foreign file is moved aside (kept) and counts as absent. */
  async #readOrSetAside(path: string): Promise<{ version: number; token: Token } | undefined> {
    const text = await this.#readText(path);
    if (text === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    try {
      return parseRecord(value, `The token file ${path}`);
    } catch {
      // Keep the bad file for inspection (README promises this) and start afresh. Two processes may
      // both see it: the second rename finds nothing, which is fine.
      const copy = `${path}.corrupt-${this.#now()}-${crypto.randomUUID().slice(0, 8)}`;
      await Deno.rename(path, copy).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) {
          throw storeError(`move the corrupt token file ${path} aside`, error, this.directory);
        }
      });
      return undefined;
    }
  }

  async #readText(path: string): Promise<string | undefined> {
    try {
      await refuseSymlink(path);
      return await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      if (error instanceof AuthFetchError) throw error;
      throw storeError(`read ${path}`, error, this.directory);
    }
  }

  async #write(path: string, version: number, token: Token): Promise<void> {
    await this.#ensureDirectory();
    await refuseSymlink(path);
    const temporary = `${path}.tmp-${crypto.randomUUID()}`;
    try {
      const file = await Deno.open(temporary, { write: true, createNew: true, mode: 0o600 });
      try {
        await file.write(new TextEncoder().encode(JSON.stringify(toRecord(version, token))));
        await file.syncData();
      } finally {
        file.close();
      }
      await Deno.rename(temporary, path);
    } catch (error) {
      await Deno.remove(temporary).catch(() => {});
      throw storeError(`write ${path}`, error, this.directory);
    }
  }

  /** Creates the directory when missing: every time, since someone may remove it while we run. */
  async #ensureDirectory(): Promise<void> {
    try {
      await Deno.mkdir(this.directory, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw storeError(`create the directory ${this.directory}`, error, this.directory);
    }
  }
}

/** Moves a stale lock aside, checking it is still the stale one; puts back a fresh one moved by mistake. */
async function breakLock(lock: string, staleText: string): Promise<void> {
  const aside = `${lock}.stale-${crypto.randomUUID()}`;
  try {
    await Deno.rename(lock, aside);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw storeError(`take over ${lock}`, error);
  }
  const moved = await Deno.readTextFile(aside).catch(() => staleText);
  // Another process replaced the stale lock between our read and rename: give its lock back.
  if (moved !== staleText) await Deno.link(aside, lock).catch(() => {});
  await Deno.remove(aside).catch(() => {});
}

async function refuseSymlink(path: string): Promise<void> {
  const info = await Deno.lstat(path).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  });
  if (info?.isSymlink) {
    throw new AuthFetchError(
      "store_error",
      `Refusing to use the token file ${path}: it is a symbolic link. Replace it with a regular file ` +
        "or choose another directory",
    );
  }
}

function storeError(what: string, cause: unknown, directory?: string): AuthFetchError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const hint = cause instanceof Deno.errors.PermissionDenied && directory !== undefined
    ? `. This user may not write there: make ${directory} and its files owned by this user ` +
      "(mode 0700 for the directory, 0600 for the files) or choose another directory"
    : "";
  return new AuthFetchError("store_error", `Cannot ${what}: ${reason}${hint}`, { cause });
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}

function join(directory: string, name: string): string {
  const separator = Deno.build.os === "windows" ? "\\" : "/";
  return directory.endsWith("/") || directory.endsWith("\\")
    ? directory + name
    : directory + separator + name;
}

function defaultDirectory(): string {
  if (Deno.build.os === "windows") {
    const appData = Deno.env.get("APPDATA");
    if (appData) return join(appData, "authfetch");
  } else {
    const config = Deno.env.get("XDG_CONFIG_HOME");
    if (config) return join(config, "authfetch");
    const home = Deno.env.get("HOME");
    if (home) return join(join(home, ".config"), "authfetch");
  }
  throw new TypeError(
    "Cannot create FileStore: no directory given and none found in the environment " +
      "(XDG_CONFIG_HOME, HOME or APPDATA); current value is undefined",
  );
}
