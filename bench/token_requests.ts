/**
 * Token requests caused by 1,000 concurrent cold calls (target 1), and over a 10 s run with 2 s tokens
 * and 32 concurrent callers (target ≤ 6, zero 401s), against a local token server and API.
 *
 * Run: `deno run -A bench/token_requests.ts` (part of `deno task bench`).
 *
 * @module
 */

import { auth, clientCredentials, createFetch, retry, tokenSource } from "../mod.ts";
import { startTokenServer } from "../tests/peers/token_server.ts";

const RUN_MS = Number(Deno.env.get("BENCH_RUN_MS") ?? 10_000);

{
  const server = startTokenServer({ tokenDelay: 20 });
  const tokens = tokenSource(
    clientCredentials({ tokenUrl: server.tokenUrl, clientId: "client", clientSecret: "secret" }),
  );
  await Promise.all(Array.from({ length: 1000 }, () => tokens.getToken()));
  console.log(
    `token requests for 1,000 concurrent cold calls: ${server.stats.tokenRequests} (target 1)`,
  );
  await server.close();
}

{
  const server = startTokenServer({ expiresIn: 2 });
  const tokens = tokenSource(
    clientCredentials({ tokenUrl: server.tokenUrl, clientId: "client", clientSecret: "secret" }),
  );
  const api = createFetch([retry(), auth(tokens)]);
  const end = Date.now() + RUN_MS;
  let requests = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (Date.now() < end) {
      const response = await api(`${server.origin}/api/x`);
      await response.arrayBuffer();
      requests++;
    }
  }));
  console.log(
    `${
      RUN_MS / 1000
    } s run, 2 s tokens, 32 callers: ${requests} requests, ${server.stats.tokenRequests} token requests ` +
      `(target ≤ ${Math.ceil(RUN_MS / 2000) + 1}), ${server.stats.api401} 401s (target 0)`,
  );
  await server.close();
}
