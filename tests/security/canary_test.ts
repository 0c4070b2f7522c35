import assert from "node:assert/strict";
import {
  auth,
  clientCredentials,
  createFetch,
  type Fetch,
  password,
  refreshToken,
  retry,
  timeout,
  tokenSource,
} from "../../mod.ts";
import { errorTexts, findLeak } from "../fuzz/_fuzz.ts";

const C = {
  clientSecret: "cs-CANARY-4f9a1c7e2b8d",
  password: "pw-CANARY-9d2e7a4c1f6b",
  accessToken: "at-CANARY-1b6f8e3a9c2d",
  refreshToken: "rt-CANARY-7c3d2f9e1a4b",
  idToken: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJpZC1DQU5BUlkifQ.id-CANARY-sig",
  code: "code-CANARY-2a7e9f1c4d",
  codeVerifier: "cv-CANARY-8e1b4d7a3f9c2e6b",
  assertion: "as-CANARY-5d8a2c9f1e7b",
};
const BASIC = btoa(`svc:${encodeURIComponent(C.clientSecret)}`);
const CANARIES = [...Object.values(C), BASIC];

/** How the stub token endpoint answers: every way a server can echo what it was sent. */
type Echo = (form: URLSearchParams, headers: Headers) => Response;

const tokenJson = JSON.stringify({
  access_token: C.accessToken,
  refresh_token: C.refreshToken,
  id_token: C.idToken,
  token_type: "Bearer",
  expires_in: 60,
});

const ECHOES: Record<string, Echo> = {
  "400 with the form in error_description": (form) =>
    Response.json({ error: "invalid_request", error_description: `got ${form}` }, { status: 400 }),
  "400 with the form as JSON in error_description": (form) =>
    Response.json({
      error: "invalid_client",
      error_description: JSON.stringify(Object.fromEntries(form)),
    }, { status: 401 }),
  "200 with an OAuth error that quotes headers": (_form, headers) =>
    Response.json({
      error: "server_error",
      error_description: `authorization: ${headers.get("authorization")}`,
    }),
  "500 HTML page echoing the form": (form) =>
    new Response(
      `<html><body><h1>Error</h1><pre>${form}</pre><p>password: ${
        form.get("password")
      }</p></body></html>`,
      {
        status: 500,
        headers: { "content-type": "text/html" },
      },
    ),
  "502 plain text echoing JSON": (form) =>
    new Response(JSON.stringify(Object.fromEntries(form)).slice(0, -3), { status: 502 }),
  "200 truncated token JSON": () =>
    new Response(tokenJson.slice(0, tokenJson.indexOf(C.refreshToken) + 8), {
      headers: { "content-type": "application/json" },
    }),
  "200 token JSON with a wrong-typed member": () =>
    Response.json({ ...JSON.parse(tokenJson), expires_in: "soon" }),
  "500 JSON with the tokens": () =>
    new Response(tokenJson, { status: 500, headers: { "content-type": "application/json" } }),
  "200 form-encoded without access_token": (form) =>
    new Response(`${form}&refresh_token=${C.refreshToken}`, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    }),
  "307 redirect carrying the code": () =>
    new Response(null, {
      status: 307,
      headers: {
        location: `https://evil.example.net/?code=${C.code}&access_token=${C.accessToken}`,
      },
    }),
  "network failure": () => {
    throw new TypeError("connection refused");
  },
};

function stub(echo: Echo): Fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const form = new URLSearchParams(await request.text());
    return echo(form, request.headers);
  };
}

function grants(fetch: Fetch) {
  const common = {
    tokenUrl: "https://auth.example.com/token",
    clientId: "svc",
    clientSecret: C.clientSecret,
    fetch,
    // plant the authorization-code secrets as extra form parameters so every echo carries them
    params: { code: C.code, code_verifier: C.codeVerifier, client_assertion: C.assertion },
  };
  return {
    "client_credentials (basic)": clientCredentials(common),
    "client_credentials (post)": clientCredentials({ ...common, clientAuth: "client_secret_post" }),
    "client_credentials (client_secret_jwt)": clientCredentials({
      ...common,
      clientAuth: "client_secret_jwt",
      params: { code: C.code, code_verifier: C.codeVerifier },
    }),
    password: password({ ...common, username: "alice", password: C.password }),
    refresh_token: refreshToken({ ...common, refreshToken: C.refreshToken }),
  };
}

/** Captures everything written to the console while `run` runs. */
async function captureConsole(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const methods = ["log", "error", "warn", "info", "debug", "trace"] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      lines.push(
        args.map((a) => (a instanceof Error ? errorTexts(a).join("\n") : String(a))).join(" "),
      );
    };
  }
  try {
    await run();
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]));
  }
  return lines;
}

Deno.test("no planted secret appears in any error, its String(), JSON, stack, causes or console output", async () => {
  const produced: string[] = [];
  let failures = 0;
  const consoleLines = await captureConsole(async () => {
    for (const [echoName, echo] of Object.entries(ECHOES)) {
      // the assertion the library signs is a secret too: capture it from the wire
      const sent: string[] = [];
      const fetch: Fetch = async (input, init) => {
        const request = new Request(input, init);
        const clone = request.clone();
        const assertion = new URLSearchParams(await clone.text()).get("client_assertion");
        if (assertion) sent.push(assertion);
        return stub(echo)(request);
      };
      for (const [grantName, grant] of Object.entries(grants(fetch))) {
        const events: unknown[] = [];
        const tokens = tokenSource(grant, { onRefreshError: (e) => events.push(e) });
        const api = createFetch([
          retry({ retries: 1, baseDelay: 0, onRetry: (e) => events.push(e) }),
          timeout(1000),
          auth(tokens),
        ], { fetch: () => Promise.resolve(new Response("ok")) });
        try {
          await (await api("https://api.example.com/things")).body?.cancel();
          assert.fail(`${echoName} / ${grantName}: expected a failure`);
        } catch (error) {
          if (error instanceof assert.AssertionError) throw error;
          failures++;
          const texts = [...errorTexts(error), JSON.stringify(events), String(events)];
          produced.push(...texts);
          const leak = findLeak(texts, [...CANARIES, ...sent]);
          assert.equal(leak, undefined, `${echoName} / ${grantName}: ${leak}`);
          // Deno's and Node's own error printers
          const inspected = Deno.inspect(error, { depth: 6 });
          assert.equal(
            findLeak([inspected], [...CANARIES, ...sent]),
            undefined,
            `${echoName} / ${grantName}: inspect`,
          );
          console.error(error);
        }
      }
    }
  });
  assert.equal(failures, Object.keys(ECHOES).length * 5);
  assert.equal(findLeak(consoleLines, CANARIES), undefined);
  assert.ok(produced.length > 0);
});

Deno.test("retry events name URLs without their query and carry no secrets", async () => {
  const events: unknown[] = [];
  const tokens = tokenSource(clientCredentials({
    tokenUrl: "https://auth.example.com/token",
    clientId: "svc",
    clientSecret: C.clientSecret,
    fetch: () =>
      Promise.resolve(new Response(tokenJson, { headers: { "content-type": "application/json" } })),
  }));
  const api = createFetch([
    retry({ retries: 2, baseDelay: 0, onRetry: (e) => events.push(e) }),
    auth(tokens),
  ], {
    fetch: (input) => {
      const url = new Request(input).url;
      if (url.includes("flaky")) {
        return Promise.reject(
          new TypeError(`reset while sending ${C.accessToken}`.replace(C.accessToken, "…")),
        );
      }
      return Promise.resolve(new Response(null, { status: 503 }));
    },
  });
  await (await api(`https://api.example.com/x?access_token=${C.accessToken}`)).body?.cancel();
  await assert.rejects(api(`https://api.example.com/flaky?code=${C.code}`), TypeError);
  assert.equal(events.length, 4);
  assert.equal(findLeak([JSON.stringify(events)], CANARIES), undefined, JSON.stringify(events));
});

Deno.test("error messages name endpoints without their query, so secrets put in a URL stay out", async () => {
  const tokenUrl = `https://auth.example.com/token?client_secret=${C.clientSecret}&code=${C.code}`;
  for (
    const answer of [
      () => Promise.reject(new TypeError("connection refused")),
      () => Promise.resolve(new Response("<html>down</html>", { status: 502 })),
    ]
  ) {
    const grant = clientCredentials({
      tokenUrl,
      clientId: "svc",
      clientSecret: "x",
      fetch: answer,
    });
    const error = await grant.token().then(() => undefined, (e) => e);
    assert.ok(error instanceof Error);
    // the message and JSON form (the platform's own error, kept as `cause`, quotes what it was given)
    assert.equal(
      findLeak([error.message, String(error), JSON.stringify(error)], CANARIES),
      undefined,
      error.message,
    );
  }
});
