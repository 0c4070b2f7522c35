/**
 * The local server every client in `bench/compare.ts` talks to, run in its own process: a token
 * endpoint (`POST /token`, client credentials by HTTP Basic or in the form body) and an API
 * (`GET /api`, 200 with the token it issued, else 401). Prints its port on stdout, then serves until
 * killed.
 *
 * @module
 */

import { CLIENT_ID, CLIENT_SECRET, TOKEN } from "./_client.ts";

const TOKEN_BODY = JSON.stringify({ access_token: TOKEN, token_type: "Bearer", expires_in: 3600 });
const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

/** RFC 6749 §2.3.1: HTTP Basic with the id and secret form-encoded before they are joined. */
function basicCredentials(header: string | null): [string, string] | undefined {
  if (header === null || !/^basic /i.test(header)) return undefined;
  try {
    const [id, secret] = atob(header.slice(6).trim()).split(":");
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return secret === undefined ? undefined : [decode(id), decode(secret)];
  } catch {
    return undefined;
  }
}

async function tokenEndpoint(request: Request): Promise<Response> {
  const form = new URLSearchParams(await request.text());
  const basic = basicCredentials(request.headers.get("authorization"));
  const authorized = (basic?.[0] === CLIENT_ID && basic[1] === CLIENT_SECRET) ||
    (form.get("client_id") === CLIENT_ID && form.get("client_secret") === CLIENT_SECRET);
  if (!authorized || form.get("grant_type") !== "client_credentials") {
    return new Response('{"error":"invalid_client"}', { status: 401, headers: JSON_HEADERS });
  }
  return new Response(TOKEN_BODY, { headers: JSON_HEADERS });
}

const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/token" && request.method === "POST") return tokenEndpoint(request);
    if (path === "/api") {
      return request.headers.get("authorization") === `Bearer ${TOKEN}`
        ? new Response('{"ok":true}', { headers: JSON_HEADERS })
        : new Response(null, { status: 401, headers: { "www-authenticate": "Bearer" } });
    }
    return new Response(null, { status: 404 });
  },
);
console.log(server.addr.port);
