/**
 * `createFetch()`'s direct lane (`src/direct_lane.ts`) against the pipeline it stands in for. Every
 * case runs twice against its own raw `Deno.listen` peer, which records each request head as it came
 * off the wire: once by the lane (the global `fetch`, called with a URL string) and once through the
 * handlers (a `fetch` option, which turns the lane off and is called with the pipeline's `Request`).
 * The two must send the same bytes in the same order and end the same way: 401 refresh and replay,
 * retries of statuses and of network errors, redirects on the same origin and to another one, aborts,
 * refused calls, and headers the lane will not take.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  auth,
  clientCredentials,
  createFetch,
  type Fetch,
  type Handler,
  retry,
  tokenSource,
} from "../mod.ts";
import { laneCall } from "../src/direct_lane.ts";
import { loadDirectLane } from "../src/pipeline.ts";

// The lane's code loads with a process's second call through a pipeline that has a lane.
await loadDirectLane();
import { ConnReader, listenRaw, readHttpRequest, type WireRequest } from "./peers/raw_socket.ts";

const encoder = new TextEncoder();

/** A raw peer with a token endpoint and API paths, recording every request. */
function startPeer(other?: string) {
  const requests: WireRequest[] = [];
  const seen = new Set<string>();
  let issued = 0;
  const reply = (status: number, extra = "", body = "ok") =>
    `HTTP/1.1 ${status} X\r\ncontent-length: ${body.length}\r\n${extra}\r\n${body}`;
  const answer = (request: WireRequest): string => {
    const path = request.target.split("?")[0];
    const authorization = request.headers.find(([n]) => n === "authorization")?.[1];
    if (path === "/token") {
      issued++;
      return reply(
        200,
        "content-type: application/json\r\n",
        JSON.stringify({ access_token: `t${issued}`, token_type: "Bearer", expires_in: 3600 }),
      );
    }
    const [, kind] = /^\/([^/]+)\//.exec(path) ?? [];
    if (kind === "401") {
      return authorization === "Bearer t1"
        ? reply(401, 'www-authenticate: Bearer error="invalid_token"\r\n')
        : reply(200);
    }
    if (kind === "503") {
      if (seen.has(path)) return reply(200);
      seen.add(path);
      return reply(503, "retry-after: 0\r\n");
    }
    if (kind === "302") return reply(302, `location: /ok${path.slice(4)}\r\n`);
    if (kind === "away") return reply(302, `location: ${other}/ok/away\r\n`);
    return reply(200);
  };
  const listener = listenRaw(async (conn) => {
    const reader = new ConnReader(conn);
    for (;;) {
      const request = await readHttpRequest(reader);
      if (request === null) return;
      requests.push(request);
      await conn.write(encoder.encode(answer(request)));
    }
  });
  return { ...listener, requests };
}

/** A request as sent, with the peer's port taken out (each run has a peer of its own). */
function wire(request: WireRequest, port: number): string {
  const headers = request.headers.map(([n, v]) => `${n}: ${v.replaceAll(String(port), "PORT")}`);
  return [request.line, ...headers].join("\n");
}

type Make = (fetch: Fetch | undefined, tokenUrl: string) => Fetch;

interface Run {
  /** What the call ended with: status and body, or the error's class and message. */
  outcome: string;
  /** Each request the peer got, as sent. */
  sent: string[];
  /** What the global `fetch` was called with: "string" (the lane) or "Request" (the pipeline). */
  inputs: string[];
}

/** Makes one call by the lane or through the handlers, against a peer of its own. */
async function run(
  lane: boolean,
  make: Make,
  call: (api: Fetch, origin: string) => Promise<Response>,
): Promise<Run> {
  const other = startPeer();
  const peer = startPeer(other.origin);
  const inputs: string[] = [];
  const platform = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    if (!String(input instanceof Request ? input.url : input).endsWith("/token")) {
      inputs.push(input instanceof Request ? "Request" : typeof input);
    }
    return platform(input, init);
  };
  try {
    const api = make(lane ? undefined : (i, n) => globalThis.fetch(i, n), `${peer.origin}/token`);
    let outcome: string;
    try {
      const response = await call(api, peer.origin);
      outcome = `${response.status} ${await response.text()}`;
    } catch (error) {
      outcome = `${(error as Error).name}: ${(error as Error).message}`.replaceAll(
        String(peer.port),
        "PORT",
      );
    }
    return {
      outcome,
      sent: [
        ...peer.requests.map((r) => wire(r, peer.port)),
        ...other.requests.map((r) => `other: ${wire(r, other.port)}`),
      ],
      inputs,
    };
  } finally {
    globalThis.fetch = platform;
    await peer.close();
    await other.close();
  }
}

/** Runs a case both ways and checks they agree; answers the lane's run. */
async function same(
  make: Make,
  call: (api: Fetch, origin: string) => Promise<Response>,
  lane = true,
): Promise<Run> {
  const direct = await run(true, make, call);
  const piped = await run(false, make, call);
  assert.deepEqual(direct.sent, piped.sent);
  assert.equal(direct.outcome, piped.outcome);
  assert.ok(piped.inputs.every((kind) => kind === "Request"));
  if (lane) assert.equal(direct.inputs[0], "string", "the lane sent the first attempt");
  return direct;
}

const authOnly: Make = (fetch, tokenUrl) =>
  createFetch([
    auth(tokenSource(clientCredentials({ tokenUrl, clientId: "c", clientSecret: "s" }))),
  ], {
    fetch,
  });
const retryAuth: Make = (fetch, tokenUrl) =>
  createFetch([
    retry({ baseDelay: 1 }),
    auth(tokenSource(clientCredentials({ tokenUrl, clientId: "c", clientSecret: "s" }))),
  ], { fetch });
const bare: Make = (fetch) => createFetch([], { fetch });

Deno.test("the lane sends a call's bytes as the pipeline does: token, caller headers, HEAD", async () => {
  for (const make of [authOnly, retryAuth]) {
    const first = await same(make, (api, origin) => api(`${origin}/ok/a`));
    assert.equal(first.outcome, "200 ok");
    assert.match(first.sent[1], /^GET \/ok\/a HTTP\/1\.1\n[^]*authorization: Bearer t1/);
    await same(make, (api, origin) =>
      api(new URL(`${origin}/ok/b?q=1`), {
        headers: { "x-trace": "7", Accept: "application/json" },
        signal: new AbortController().signal,
      }));
    await same(make, (api, origin) => api(`${origin}/ok/c`, { method: "HEAD" }));
  }
  await same(bare, (api, origin) => api(`${origin}/ok/d`, { headers: { "x-a": "1" } }));
  // without auth() the caller's own Authorization is the caller's to send
  const own = await same(
    bare,
    (api, origin) => api(`${origin}/ok/e`, { headers: { Authorization: "Basic x" } }),
  );
  assert.match(own.sent[0], /authorization: Basic x/);
});

Deno.test("the lane hands a 401, a retryable status and redirects to the handlers' own code", async () => {
  // 401 for the token sent: one refresh, one replay with the new token
  const refreshed = await same(authOnly, (api, origin) => api(`${origin}/401/a`));
  assert.equal(refreshed.outcome, "200 ok");
  assert.equal(refreshed.sent.filter((line) => line.startsWith("POST /token")).length, 2);
  // 503 then 200: retried, the replay through auth()
  const retried = await same(retryAuth, (api, origin) => api(`${origin}/503/a`));
  assert.equal(retried.outcome, "200 ok");
  assert.equal(retried.sent.filter((line) => line.startsWith("GET /503/a")).length, 2);
  // 503 without retry(): returned as it is
  assert.equal((await same(authOnly, (api, origin) => api(`${origin}/503/b`))).outcome, "503 ok");
  // a redirect on the same origin keeps the token; one to another origin drops it
  await same(retryAuth, (api, origin) => api(`${origin}/302/a`));
  const away = await same(retryAuth, (api, origin) => api(`${origin}/away/a`));
  const hop = away.sent.find((line) => line.startsWith("other: "))!;
  assert.doesNotMatch(hop, /authorization/i);
  await same(bare, (api, origin) => api(`${origin}/302/b`));
});

Deno.test("the lane fails as the pipeline does: network errors, aborts, calls it will not take", async () => {
  // connection refused: retried, then the platform's TypeError, its URL's query left out
  const closed = startPeer();
  const dead = `${closed.origin}/ok/a?api_key=canary-secret`;
  await closed.close();
  for (const make of [retryAuth, bare]) {
    const refused = await same(make, (api) => api(dead));
    assert.match(refused.outcome, /^TypeError/);
    assert.doesNotMatch(refused.outcome, /canary-secret/);
  }
  // aborted before the call: the caller's reason, nothing sent (the token wait gives up first)
  const reason = new Error("stop");
  const aborted = await same(authOnly, (api, origin) => {
    const controller = new AbortController();
    controller.abort(reason);
    return api(`${origin}/ok/a`, { signal: controller.signal });
  }, false);
  assert.equal(aborted.outcome, "Error: stop");
  assert.deepEqual(aborted.inputs, []);
  // aborted while the API answers slowly: the caller's reason as it is
  // (whether the request left before the abort is a race either way: only the outcome is compared)
  const abortAfterSend = async (api: Fetch, origin: string) => {
    const controller = new AbortController();
    const response = api(`${origin}/ok/b`, { signal: controller.signal });
    controller.abort(reason);
    return await response;
  };
  for (const lane of [true, false]) {
    assert.equal((await run(lane, bare, abortAfterSend)).outcome, "Error: stop");
  }
  // a header value fetch refuses: refused before any token is asked for, by the pipeline
  const refusedHeader = await same(
    authOnly,
    (api, origin) => api(`${origin}/ok/a`, { headers: { "x-bad": "a\nb" } }),
    false,
  );
  assert.match(refusedHeader.outcome, /^TypeError/);
  assert.deepEqual(refusedHeader.sent, []);
  // the caller's own Authorization: replaced by the pipeline, never by the lane
  const own = await same(
    authOnly,
    (api, origin) => api(`${origin}/ok/a`, { headers: { Authorization: "Basic x" } }),
    false,
  );
  assert.match(own.sent[1], /authorization: Bearer t1/);
});

Deno.test("laneCall takes absolute http(s) GET and HEAD calls with a headers record and a signal", () => {
  const signal = new AbortController().signal;
  assert.deepEqual(laneCall("https://api.example.com/x", undefined), {
    url: "https://api.example.com/x",
    method: undefined,
    headers: undefined,
    signal: undefined,
  });
  assert.equal(laneCall(new URL("http://127.0.0.1/x"), { signal })?.signal, signal);
  assert.equal(
    laneCall("https://a.example/", { method: "HEAD", headers: { a: "1" } })?.method,
    "HEAD",
  );
  assert.ok(laneCall("https://a.example/", { body: undefined, signal: null }));
  assert.ok(laneCall("https://a.example/", { headers: { Authorization: "Basic x" } }, false));
  const refused: [RequestInfo | URL, RequestInit | undefined][] = [
    ["/relative", undefined],
    ["HTTPS://a.example/", undefined],
    ["ftp://a.example/", undefined],
    [new URL("file:///etc/passwd"), undefined],
    [new Request("https://a.example/"), undefined],
    ["https://a.example/", { method: "POST", body: "x" }],
    ["https://a.example/", { method: "get" }],
    ["https://a.example/", { redirect: "follow" }],
    ["https://a.example/", { cache: "no-store" }],
    ["https://a.example/", { headers: new Headers({ a: "1" }) }],
    ["https://a.example/", { headers: [["a", "1"]] }],
    ["https://a.example/", { headers: { authorization: "Basic x" } }],
    ["https://a.example/", { headers: { "bad name": "1" } }],
    ["https://a.example/", { headers: { a: "\u0100" } }],
    ["https://a.example/", { headers: { a: 1 as unknown as string } }],
    ["https://a.example/", { signal: {} as AbortSignal }],
  ];
  for (const [target, init] of refused) {
    assert.equal(laneCall(target, init), undefined, `${String(target)} ${JSON.stringify(init)}`);
  }
});

Deno.test("the lane stands in only for auth() at its defaults, behind at most a retry()", async () => {
  const tokens = tokenSource(clientCredentials({
    tokenUrl: "http://127.0.0.1:9/token",
    clientId: "c",
    clientSecret: "s",
  }));
  const own: Handler = (request, next) => next(request);
  const inputs: string[] = [];
  const platform = globalThis.fetch;
  globalThis.fetch = (input) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith("/token")) {
      return Promise.resolve(Response.json({ access_token: "t", token_type: "Bearer" }));
    }
    inputs.push(input instanceof Request ? "Request" : typeof input);
    return Promise.resolve(new Response("ok"));
  };
  try {
    const pipelines: [Handler[], string][] = [
      [[], "string"],
      [[own], "Request"],
      [[retry()], "Request"],
      [[auth(tokens, { origins: ["https://a.example"] })], "Request"],
      [[own, auth(tokens)], "Request"],
      [[auth(tokens), retry()], "Request"],
    ];
    for (const [handlers, kind] of pipelines) {
      inputs.length = 0;
      await (await createFetch(handlers)("https://b.example/x")).text();
      assert.deepEqual(inputs, [kind], `${handlers.length} handlers`);
    }
  } finally {
    globalThis.fetch = platform;
  }
});
