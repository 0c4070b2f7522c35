/**
 * The cold-start program of `bench/compare/plain_fetch.ts` (a token POST, then one API call with the
 * token) with pieces of what authfetch's first call does added to it, one set per run, for
 * `bench/first_call_pieces.ts`. `BENCH_PIECES` (comma-separated) names the pieces:
 *
 * - `deadline`: an `AbortController` aborted by a shared `AbortSignal.timeout` clock through an
 *   `abort` listener, its signal given to the token POST (`src/deadline.ts`);
 * - `any`: the same deadline with `AbortSignal.any([controller, timeout])` and no listener;
 * - `abort`: an `AbortController` and one `abort` listener added and removed, nothing else;
 * - `placeholder`: a bodiless `Request` carrying a signal, made before the POST (retry's stand-in);
 * - `headers`: the POST's headers as a `Headers` object, built from two and iterated;
 * - `text`: the answer read with `text()` and `JSON.parse` instead of `json()`;
 * - `patterns`: six regular expressions run once (content length, encoding, form type, token
 *   type, bearer token, loopback address);
 * - `url`: the API URL parsed with `new URL` (the origin policy);
 * - `request`: the API call sent as a `Request` whose headers are set afterwards (the pipeline).
 *
 * @module
 */

import { CLIENT_ID, CLIENT_SECRET, coldRun, type CreateClient } from "../compare/_client.ts";

const pieces = new Set((Deno.env.get("BENCH_PIECES") ?? "").split(",").filter(Boolean));

/** The plain client with the pieces of `BENCH_PIECES`. */
export const create: CreateClient = (base) => {
  const tokenUrl = `${base}/token`;
  const basic = `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`;
  const token = async (): Promise<string> => {
    let signal: AbortSignal | undefined;
    let end = () => {};
    if (pieces.has("deadline")) {
      const controller = new AbortController();
      const clock = AbortSignal.timeout(30_000);
      const tick = () => controller.abort(new Error("timed out"));
      clock.addEventListener("abort", tick);
      signal = controller.signal;
      end = () => clock.removeEventListener("abort", tick);
    }
    if (pieces.has("any")) {
      signal = AbortSignal.any([new AbortController().signal, AbortSignal.timeout(30_000)]);
    }
    if (pieces.has("abort")) {
      const controller = new AbortController();
      const onAbort = () => {};
      controller.signal.addEventListener("abort", onAbort, { once: true });
      controller.signal.removeEventListener("abort", onAbort);
    }
    if (pieces.has("placeholder")) {
      signal = new Request(tokenUrl, { method: "POST", signal }).signal;
    }
    let headers: HeadersInit = { authorization: basic };
    if (pieces.has("headers")) {
      const built = new Headers(undefined);
      for (const [k, v] of new Headers(undefined)) built.set(k, v);
      built.set("accept", "application/json");
      built.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
      built.set("authorization", basic);
      headers = built;
    }
    const response = await fetch(tokenUrl, {
      method: "POST",
      headers,
      body: new URLSearchParams({ grant_type: "client_credentials" }),
      signal,
    });
    const body = pieces.has("text") ? JSON.parse(await response.text()) : await response.json();
    end();
    return body.access_token;
  };
  return async (url) => {
    if (pieces.has("patterns")) {
      const patterns = [
        /^\s*\d+\s*$/,
        /^\s*identity\s*$/i,
        /application\/x-www-form-urlencoded/i,
        /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/,
        /^[A-Za-z0-9\-._~+/]+=*$/,
        /^127(\.\d{1,3}){3}$/,
      ];
      for (const pattern of patterns) pattern.test("127.0.0.1");
    }
    if (pieces.has("url")) new URL(url).hostname;
    const value = `Bearer ${await token()}`;
    if (pieces.has("request")) {
      const request = new Request(url, { redirect: "manual" });
      request.headers.set("authorization", value);
      return fetch(request);
    }
    return fetch(url, { headers: { authorization: value } });
  };
};

if (import.meta.main) await coldRun(create);
