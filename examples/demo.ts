/**
 * `deno task demo`: the main job end to end against an embedded local authorization server and API.
 *
 * The server issues 2-second tokens, answers some API requests with `503` + `Retry-After`, and now and
 * then revokes the token in use. A client built from the public API (`createFetch([retry(), auth(...)])`
 * over a `tokenSource(clientCredentials(...))`) makes requests for a few seconds and reports what happened.
 * Everything listens on 127.0.0.1 and the program exits by itself.
 *
 * @module
 */

import { auth, clientCredentials, createFetch, retry, timeout, tokenSource } from "../mod.ts";
import { startTokenServer } from "../tests/peers/token_server.ts";

/** What the demo observed. */
export interface DemoReport {
  requests: number;
  succeeded: number;
  failed: number;
  tokenRequests: number;
  proactiveRefreshes: number;
  refreshesAfter401: number;
  retries: number;
  api401: number;
  served503: number;
}

/**
 * Runs the demo for `durationMs` and returns what happened.
 *
 * @param durationMs How long the client keeps making requests.
 * @param log Where progress lines go.
 */
export async function runDemo(
  durationMs = 7_000,
  log: (line: string) => void = console.log,
): Promise<DemoReport> {
  let served503 = 0;
  let revokeNext = false;
  const server = startTokenServer({
    expiresIn: 2,
    clientId: "demo-client",
    clientSecret: "demo-secret",
    apiHook: (_request, count) => {
      if (count % 41 === 0) {
        served503++;
        return new Response("busy", { status: 503, headers: { "retry-after": "0" } });
      }
      return undefined;
    },
  });
  let tokensSeen = 0;
  const rejected = new Set<string>();
  let retries = 0;
  const grant = clientCredentials({
    tokenUrl: server.tokenUrl,
    clientId: "demo-client",
    clientSecret: "demo-secret",
  });
  const tokens = tokenSource(grant, {
    refreshBefore: 1_000, // clamped to a tenth of the 2 s lifetime: 200 ms
    onTokenChange: (token) => {
      tokensSeen++;
      if (revokeNext) return;
      const left = token.expiresAt ? Math.round((token.expiresAt - Date.now()) / 100) / 10 : "?";
      log(`  token #${tokensSeen} obtained (expires in ${left} s)`);
    },
  });
  const counting = {
    getToken: (options?: { signal?: AbortSignal; rejected?: string }) => {
      if (options?.rejected) rejected.add(options.rejected);
      return tokens.getToken(options);
    },
  };
  const api = createFetch([
    retry({
      baseDelay: 50,
      onRetry: (e) =>
        void (retries++,
          log(
            `  retry ${e.attempt} of ${e.method} ${new URL(e.url).pathname} after HTTP ${
              e.status ?? "error"
            }`,
          )),
    }),
    timeout(2_000),
    auth(counting),
  ]);

  log(
    `authfetch demo: server at ${server.origin}, tokens live 2 s and are refreshed 0.2 s before expiry`,
  );
  const started = Date.now();
  let requests = 0;
  let succeeded = 0;
  let failed = 0;
  let revokeAt = started + 2_500;
  try {
    while (Date.now() - started < durationMs) {
      if (Date.now() >= revokeAt) {
        const current = await tokens.getToken();
        server.revoke(current.accessToken);
        log("  server revoked the token in use");
        revokeAt += 3_100;
      }
      const batch = await Promise.all(Array.from({ length: 5 }, async (_, i) => {
        try {
          const response = await api(`${server.origin}/api/items/${requests + i}`);
          await response.body?.cancel();
          return response.ok;
        } catch {
          return false;
        }
      }));
      requests += batch.length;
      succeeded += batch.filter(Boolean).length;
      failed += batch.filter((ok) => !ok).length;
      await new Promise((r) => setTimeout(r, 90));
    }
  } finally {
    await server.close();
  }
  const report: DemoReport = {
    requests,
    succeeded,
    failed,
    tokenRequests: server.stats.tokenRequests,
    proactiveRefreshes: server.stats.tokenRequests - 1 - rejected.size,
    refreshesAfter401: rejected.size,
    retries,
    api401: server.stats.api401,
    served503,
  };
  revokeNext = true;
  log("");
  log(`requests served: ${succeeded} of ${requests} (${failed} failed)`);
  log(
    `token requests: ${report.tokenRequests} (1 initial, ${report.proactiveRefreshes} proactive, ${report.refreshesAfter401} after a 401)`,
  );
  log(
    `401s seen by the API: ${report.api401} (requests in flight with a revoked token: one refresh per revocation, each request replayed once)`,
  );
  log(`503s answered by the API: ${served503}, retries made: ${retries}`);
  return report;
}

if (import.meta.main) {
  const report = await runDemo();
  Deno.exit(report.failed === 0 ? 0 : 1);
}
