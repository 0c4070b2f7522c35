/**
 * Opens one of the stores by name, for worker processes and the benchmark.
 *
 * @module
 */

import { MemoryStore, type TokenStore } from "../../../mod.ts";
import { FileStore } from "../../../src/stores/file.ts";
import { KvStore } from "../../../src/stores/kv.ts";
import { RedisStore } from "../../../src/stores/redis.ts";

/** The store kinds. */
export type StoreKind = "memory" | "file" | "kv" | "redis";

/** An opened store and how to let it go. */
export interface OpenedStore {
  /** The store. */
  store: TokenStore;
  /** Closes connections the store holds. */
  close(): Promise<void>;
}

/**
 * Opens a store.
 *
 * @param kind Which store.
 * @param location The directory (file), database path (kv) or URL (redis).
 * @returns The store.
 */
export async function openStore(kind: StoreKind, location = ""): Promise<OpenedStore> {
  switch (kind) {
    case "memory":
      return { store: new MemoryStore(), close: () => Promise.resolve() };
    case "file":
      return { store: new FileStore({ directory: location }), close: () => Promise.resolve() };
    case "kv": {
      const store = new KvStore(location);
      return { store, close: () => Promise.resolve(store.close()) };
    }
    case "redis": {
      const { createClient } = await import("npm:redis@^5.8.0");
      const client = await createClient({ url: location }).connect();
      return {
        store: new RedisStore(client),
        close: async () => {
          await client.quit();
        },
      };
    }
  }
}
