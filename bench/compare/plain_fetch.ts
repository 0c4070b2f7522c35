/**
 * The baseline of `bench/compare.ts`: plain `fetch` by hand, one form POST for the token (kept until a
 * minute before it expires, one request shared by concurrent callers) and the API call with the
 * header. Run as the main module, it is the cold-start program (see `_client.ts`).
 *
 * @module
 */

import { CLIENT_ID, CLIENT_SECRET, coldRun, type CreateClient } from "./_client.ts";

/** One hand-written client for the server at `base`. */
export const create: CreateClient = (base) => {
  let token: { value: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const accessToken = (): Promise<string> => {
    if (token !== undefined && token.expiresAt > Date.now()) return Promise.resolve(token.value);
    return pending ??= fetch(`${base}/token`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}` },
      body: new URLSearchParams({ grant_type: "client_credentials" }),
    }).then((response) => response.json()).then((body) => {
      token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in - 60) * 1000 };
      return body.access_token;
    }).finally(() => pending = undefined);
  };
  return async (url) => fetch(url, { headers: { authorization: `Bearer ${await accessToken()}` } });
};

if (import.meta.main) await coldRun(create);
