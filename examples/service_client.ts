/**
 * A service-to-service client with the client credentials grant: tokens renewed automatically, shared
 * through Redis by every process of the service (one token request between them), one replay after a
 * 401, and the token request itself retried up to 5 times with backoff on a 5xx.
 *
 * Run it (each run is one process; start several at once to see them share one token):
 * ```sh
 * AUTHFETCH_TOKEN_URL=https://auth.example.com/oauth/token AUTHFETCH_CLIENT_ID=orders \
 * AUTHFETCH_CLIENT_SECRET=... AUTHFETCH_API_URL=https://api.example.com/v1/orders \
 * REDIS_URL=redis://127.0.0.1:6379 deno run -A examples/service_client.ts
 * ```
 * It prints one JSON line per API call.
 *
 * @module
 */

import { createClient } from "npm:redis@^5.8.0";
import { auth, clientCredentials, createFetch, type Fetch, retry, tokenSource } from "../mod.ts";
import { RedisStore } from "../src/stores/redis.ts";

/** What the service needs. */
export interface ServiceClientConfig {
  /** The token endpoint. */
  tokenUrl: string;
  /** The client id. */
  clientId: string;
  /** The client secret. */
  clientSecret: string;
  /** The scope, if the server wants one. */
  scope?: string;
  /** The Redis server, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string;
  /** Backoff base for retried token requests, ms. @default 300 */
  retryDelay?: number;
}

/** A connected client: `api` is a `fetch`; `close` disconnects from Redis. */
export interface ServiceClient {
  /** `fetch` with the service's token attached. */
  api: Fetch;
  /** Disconnects from Redis. */
  close(): Promise<void>;
}

/**
 * Connects to Redis and builds the authenticated `fetch`.
 *
 * @param config Token endpoint, client, Redis.
 * @returns The client.
 */
export async function serviceClient(config: ServiceClientConfig): Promise<ServiceClient> {
  const redis = await createClient({ url: config.redisUrl }).connect();
  const tokens = tokenSource(
    clientCredentials({
      tokenUrl: config.tokenUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      scope: config.scope,
      // The token request (a POST) is retried on 408/429/5xx: up to 5 times, exponential backoff.
      retry: { retries: 5, baseDelay: config.retryDelay ?? 300 },
    }),
    // Every process with this store shares one token; a lease makes them request it once.
    { store: new RedisStore(redis, { prefix: "orders-service:" }) },
  );
  // auth() replays a request once after a 401 with a new token; retry() covers 5xx on the API.
  const api = createFetch([retry(), auth(tokens)]);
  return { api, close: () => redis.quit().then(() => {}) };
}

if (import.meta.main) {
  const env = (name: string) => Deno.env.get(name) ?? "";
  const client = await serviceClient({
    tokenUrl: env("AUTHFETCH_TOKEN_URL"),
    clientId: env("AUTHFETCH_CLIENT_ID"),
    clientSecret: env("AUTHFETCH_CLIENT_SECRET"),
    scope: Deno.env.get("AUTHFETCH_SCOPE"),
    redisUrl: Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379",
    retryDelay: Number(Deno.env.get("AUTHFETCH_RETRY_DELAY") ?? 300),
  });
  try {
    for (let i = 0; i < Number(Deno.env.get("CALLS") ?? 3); i++) {
      const response = await client.api(env("AUTHFETCH_API_URL"));
      console.log(JSON.stringify({ status: response.status, body: await response.json() }));
    }
  } finally {
    await client.close();
  }
}
