/**
 * The program `bench/call_instructions.ts` counts: one way of making an API call with a cached token
 * (`BENCH_VARIANT`), made 20 times to warm up and then `BENCH_CALLS` more times, against the
 * `bench/compare/server.ts` at `Deno.args[0]`. Prints `"done"` when it has finished.
 *
 * @module
 */

import { auth, clientCredentials, createFetch, retry, tokenSource } from "@authfetch/authfetch";
import { OAuth2Client, OAuth2Fetch } from "npm:@badgateway/oauth2-client@^3.3.1";
import { CLIENT_ID, CLIENT_SECRET, TOKEN } from "../compare/_client.ts";

const base = Deno.args[0];
const calls = Number(Deno.env.get("BENCH_CALLS") ?? 0);
const headers = { authorization: `Bearer ${TOKEN}` };
const credentials = { tokenUrl: `${base}/token`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

/** Each variant: how one call is made. */
const VARIANTS: Record<string, () => () => Promise<Response>> = {
  plain: () => () => fetch(`${base}/api`, { headers }),
  request: () => () => fetch(new Request(`${base}/api`, { headers })),
  pipeline: () => {
    const api = createFetch([]);
    return () => api(`${base}/api`, { headers });
  },
  auth: () => {
    const api = createFetch([auth(tokenSource(clientCredentials(credentials)))]);
    return () => api(`${base}/api`);
  },
  authfetch: () => {
    const api = createFetch([retry(), auth(tokenSource(clientCredentials(credentials)))]);
    return () => api(`${base}/api`);
  },
  badgateway: () => {
    const client = new OAuth2Client({
      server: base,
      tokenEndpoint: credentials.tokenUrl,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      authenticationMethod: "client_secret_basic",
    });
    const wrapper = new OAuth2Fetch({ client, getNewToken: () => client.clientCredentials() });
    return () => wrapper.fetch(`${base}/api`);
  },
};

const variant = Deno.env.get("BENCH_VARIANT") ?? "authfetch";
const make = VARIANTS[variant];
if (make === undefined) throw new Error(`unknown BENCH_VARIANT ${variant}`);
const call = make();
for (let i = 0; i < 20 + calls; i++) {
  const response = await call();
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${variant}: the API answered ${response.status}`);
}
console.log('"done"');
