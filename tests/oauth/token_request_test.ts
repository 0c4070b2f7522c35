import assert from "node:assert/strict";
import {
  clientCredentials,
  existingToken,
  type Fetch,
  OAuthError,
  password,
  refreshToken,
  TokenResponseError,
  tokenSource,
} from "../../mod.ts";
import { startTokenServer } from "../peers/token_server.ts";

function answering(response: () => Response) {
  const requests: Request[] = [];
  const fetch: Fetch = (input, init) => {
    requests.push(new Request(input, init));
    return Promise.resolve(response());
  };
  return { fetch, requests };
}

const base = {
  tokenUrl: "https://auth.example/token",
  clientId: "client id",
  clientSecret: "s:e c/r+et",
};

Deno.test("clientCredentials() form-encodes id and secret for client_secret_basic (RFC 6749 §2.3.1)", async () => {
  const { fetch, requests } = answering(() =>
    Response.json({ access_token: "a", token_type: "bearer" })
  );
  await clientCredentials({
    ...base,
    fetch,
    scope: ["x", "y"],
    audience: "aud",
    resource: ["r1", "r2"],
  }).token();
  const request = requests[0];
  assert.equal(request.method, "POST");
  assert.equal(request.redirect, "manual");
  assert.equal(request.headers.get("accept"), "application/json");
  const [id, secret] = atob(request.headers.get("authorization")!.slice(6)).split(":");
  assert.equal(id, "client+id");
  assert.equal(secret, "s%3Ae+c%2Fr%2Bet");
  const form = new URLSearchParams(await request.text());
  assert.equal(form.get("grant_type"), "client_credentials");
  assert.equal(form.get("scope"), "x y");
  assert.equal(form.get("audience"), "aud");
  assert.deepEqual(form.getAll("resource"), ["r1", "r2"]);
  assert.equal(form.get("client_secret"), null);
});

Deno.test("clientCredentials() sends the secret in the body with client_secret_post", async () => {
  const { fetch, requests } = answering(() => Response.json({ access_token: "a" }));
  await clientCredentials({
    ...base,
    fetch,
    clientAuth: "client_secret_post",
    params: { extra: "1" },
  }).token();
  const form = new URLSearchParams(await requests[0].text());
  assert.equal(form.get("client_id"), "client id");
  assert.equal(form.get("client_secret"), "s:e c/r+et");
  assert.equal(form.get("extra"), "1");
  assert.equal(requests[0].headers.get("authorization"), null);
});

Deno.test("token requests turn malformed responses into TokenResponseError without secrets", async () => {
  const cases: Array<[string, () => Response]> = [
    [
      "HTML page",
      () =>
        new Response("<html><body><h1>502 Bad Gateway</h1></body></html>", {
          status: 502,
          headers: { "content-type": "text/html" },
        }),
    ],
    [
      "HTML 200",
      () =>
        new Response("<!doctype html><p>login</p>", { headers: { "content-type": "text/html" } }),
    ],
    ["empty", () => new Response("")],
    ["array", () => Response.json([])],
    ["number token", () => Response.json({ access_token: 5, refresh_token: "leak-me" })],
    ["missing token", () => Response.json({ token_type: "bearer" })],
    [
      "truncated JSON",
      () =>
        new Response('{"access_token":"abc', { headers: { "content-type": "application/json" } }),
    ],
    ["null", () => Response.json(null)],
    ["500 plain", () => new Response("oops", { status: 500 })],
    [
      "redirect",
      () =>
        new Response(null, { status: 307, headers: { location: "https://evil.example/token" } }),
    ],
    ["huge", () => new Response("x".repeat(2 * 1024 * 1024))],
  ];
  for (const [name, make] of cases) {
    const { fetch } = answering(make);
    await assert.rejects(
      () => clientCredentials({ ...base, fetch }).token(),
      (e: unknown) => {
        assert.ok(e instanceof TokenResponseError, `${name}: ${e}`);
        assert.ok(!e.message.includes("leak-me"), name);
        assert.ok(!e.message.includes("s:e c/r+et"), name);
        assert.ok(e.message.length < 400, name);
        return true;
      },
      name,
    );
  }
});

Deno.test("token requests turn RFC 6749 §5.2 errors into OAuthError, also inside a 200", async () => {
  for (const status of [400, 401, 200]) {
    const { fetch } = answering(() =>
      Response.json({
        error: "invalid_client",
        error_description: "bad",
        error_uri: "https://d.example/e",
      }, { status })
    );
    await assert.rejects(() => clientCredentials({ ...base, fetch }).token(), (e: unknown) => {
      assert.ok(e instanceof OAuthError);
      assert.equal(e.error, "invalid_client");
      assert.equal(e.errorDescription, "bad");
      assert.equal(e.errorUri, "https://d.example/e");
      assert.equal(e.status, status);
      assert.match(e.message, /client/);
      return true;
    });
  }
});

Deno.test("token requests accept form-encoded responses from old servers", async () => {
  const { fetch } = answering(() =>
    new Response("access_token=abc&token_type=bearer&scope=repo", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    })
  );
  const token = await clientCredentials({ ...base, fetch }).token();
  assert.equal(token.accessToken, "abc");
  assert.equal(token.scope, "repo");
});

Deno.test("token requests refuse plain http: endpoints except loopback", async () => {
  await assert.rejects(
    () => clientCredentials({ ...base, tokenUrl: "http://auth.example/token" }).token(),
    TypeError,
  );
  const { fetch } = answering(() => Response.json({ access_token: "a" }));
  await clientCredentials({ ...base, tokenUrl: "http://127.0.0.1:9/token", fetch }).token();
  await clientCredentials({
    ...base,
    tokenUrl: "http://auth.example/token",
    fetch,
    allowInsecureHttp: true,
  }).token();
});

Deno.test("token requests are retried on 5xx with backoff when retry is set, never on 4xx", async () => {
  let calls = 0;
  const fetch: Fetch = () => {
    calls++;
    return Promise.resolve(
      calls < 4 ? new Response("down", { status: 500 }) : Response.json({ access_token: "a" }),
    );
  };
  const token = await clientCredentials({ ...base, fetch, retry: { retries: 5, baseDelay: 1 } })
    .token();
  assert.equal(token.accessToken, "a");
  assert.equal(calls, 4);
  let bad = 0;
  const denied: Fetch = () => {
    bad++;
    return Promise.resolve(Response.json({ error: "invalid_client" }, { status: 401 }));
  };
  await assert.rejects(
    () => clientCredentials({ ...base, fetch: denied, retry: true }).token(),
    OAuthError,
  );
  assert.equal(bad, 1);
});

Deno.test("password() logs in, then renews with the rotated refresh token", async () => {
  const server = startTokenServer();
  try {
    const tokens = tokenSource(password({
      tokenUrl: server.tokenUrl,
      clientId: "client",
      clientSecret: "secret",
      username: "alice",
      password: "pw",
    }));
    const first = await tokens.getToken();
    const second = await tokens.getToken({ rejected: first.accessToken });
    assert.notEqual(first.accessToken, second.accessToken);
    assert.deepEqual(server.stats.grants, { password: 1, refresh_token: 1 });
    await assert.rejects(
      () =>
        password({
          tokenUrl: server.tokenUrl,
          clientId: "client",
          clientSecret: "secret",
          username: "a",
          password: "no",
        })
          .token(),
      (e: unknown) =>
        e instanceof OAuthError && e.error === "invalid_grant" && !e.message.includes("no"),
    );
  } finally {
    await server.close();
  }
});

Deno.test("refreshToken() follows rotation and reports a spent refresh token clearly", async () => {
  const server = startTokenServer();
  try {
    const login = await password({
      tokenUrl: server.tokenUrl,
      clientId: "client",
      clientSecret: "secret",
      username: "bob",
      password: "pw",
    }).token();
    const tokens = tokenSource(
      refreshToken({
        tokenUrl: server.tokenUrl,
        clientId: "client",
        clientSecret: "secret",
        refreshToken: login.refreshToken!,
      }),
    );
    const a = await tokens.getToken();
    const b = await tokens.getToken({ rejected: a.accessToken });
    assert.notEqual(a.accessToken, b.accessToken);
    const reused = refreshToken({
      tokenUrl: server.tokenUrl,
      clientId: "client",
      clientSecret: "secret",
      refreshToken: login.refreshToken!,
    });
    await assert.rejects(
      () => reused.token(),
      (e: unknown) => e instanceof OAuthError && e.error === "invalid_grant",
    );
  } finally {
    await server.close();
  }
});

Deno.test("token requests time out per attempt so a hung endpoint never holds callers forever", async () => {
  const hanging: Fetch = (input, init) => {
    const request = new Request(input, init);
    return new Promise((_, reject) =>
      request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true })
    );
  };
  const tokens = tokenSource(clientCredentials({ ...base, fetch: hanging, timeout: 30 }));
  const results = await Promise.allSettled([tokens.getToken(), tokens.getToken()]);
  for (const result of results) {
    assert.equal(result.status, "rejected");
    assert.equal((result as PromiseRejectedResult).reason.name, "TimeoutError");
  }
});

Deno.test("a token response body that stalls after the headers ends in TimeoutError, even through a fetch that ignores the signal", async () => {
  for (const declared of [true, false]) {
    let cancelled: unknown;
    const stalling: Fetch = () => {
      // headers at once, then the first bytes of the body and nothing more; the signal is ignored
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"access_token":'));
        },
        cancel(reason) {
          cancelled = reason;
        },
      });
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (declared) headers["content-length"] = "60";
      return Promise.resolve(new Response(body, { headers }));
    };
    const tokens = tokenSource(clientCredentials({ ...base, fetch: stalling, timeout: 30 }));
    const error = await tokens.getToken().then(() => undefined, (e) => e);
    assert.equal(error?.name, "TimeoutError", `content-length declared: ${declared}`);
    assert.match(error.message, /POST https:\/\/auth\.example\/token timed out after 30 ms/);
    assert.doesNotMatch(error.message, /s:e c\/r\+et/);
    assert.equal((cancelled as Error | undefined)?.name, "TimeoutError", "the body was cancelled");
  }
});

Deno.test("a token response body that stalls after the headers ends in TimeoutError through the platform fetch", async () => {
  // a raw TCP peer: headers and the first bytes of the body, then silence until the client gives up
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for await (const conn of listener) {
      const buffer = new Uint8Array(4096);
      await conn.read(buffer);
      const head = (declared: boolean) =>
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${
          declared ? "content-length: 60\r\n" : "transfer-encoding: chunked\r\n"
        }\r\n`;
      const chunked = new TextDecoder().decode(buffer).includes("chunked-please");
      await conn.write(new TextEncoder().encode(
        head(!chunked) + (chunked ? '10\r\n{"access_token":\r\n' : '{"access_token":'),
      ));
      // wait for the client to close the connection
      while ((await conn.read(buffer).catch(() => null)) !== null);
      conn.close();
    }
  })();
  try {
    const tokenUrl = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/token`;
    for (const params of [{}, { hint: "chunked-please" }] as Record<string, string>[]) {
      const tokens = tokenSource(clientCredentials({ ...base, tokenUrl, params, timeout: 50 }));
      const error = await tokens.getToken().then(() => undefined, (e) => e);
      assert.equal(error?.name, "TimeoutError", JSON.stringify(params));
      assert.match(error.message, /timed out after 50 ms/);
    }
  } finally {
    listener.close();
    await served.catch(() => {});
  }
});

Deno.test("a token with expires_in 0 is cached as having no stated expiry", async () => {
  let calls = 0;
  const fetch: Fetch = () => {
    calls++;
    return Promise.resolve(Response.json({ access_token: "a", expires_in: 0 }));
  };
  const tokens = tokenSource(clientCredentials({ ...base, fetch }));
  const token = await tokens.getToken();
  await tokens.getToken();
  assert.equal(token.expiresAt, undefined);
  assert.equal(calls, 1);
});

Deno.test("retried token requests sign a new client assertion for each attempt", async () => {
  const assertions: string[] = [];
  const fetch: Fetch = async (input, init) => {
    const form = new URLSearchParams(await new Request(input, init).text());
    assertions.push(form.get("client_assertion")!);
    return assertions.length < 3
      ? new Response("busy", { status: 503 })
      : Response.json({ access_token: "a" });
  };
  await clientCredentials({
    ...base,
    clientAuth: "client_secret_jwt",
    clientSecret: "a-client-secret-of-at-least-32-bytes!",
    fetch,
    retry: { retries: 3, baseDelay: 1 },
  }).token();
  assert.equal(assertions.length, 3);
  const jtis = assertions.map((jwt) =>
    JSON.parse(atob(jwt.split(".")[1].replaceAll("-", "+").replaceAll("_", "/"))).jti
  );
  assert.equal(new Set(jtis).size, 3, "each attempt has its own jti");
});

Deno.test("existingToken() refuses a refresh token it has no endpoint to use with", () => {
  assert.throws(() => existingToken({ accessToken: "a", refreshToken: "r" }), TypeError);
  existingToken({ accessToken: "a", refreshToken: "r", tokenUrl: "https://auth.example/token" });
  existingToken({ accessToken: "a" });
});

Deno.test("a token endpoint neither given nor discoverable fails with TypeError before anything is sent", async () => {
  const { fetch, requests } = answering(() =>
    Response.json({ issuer: "https://auth.example", authorization_endpoint: "https://a.example/" })
  );
  await assert.rejects(
    () => clientCredentials({ clientId: "c", clientSecret: "s", fetch }).token(),
    TypeError,
    "Cannot find the token_endpoint: give its URL or an issuer to discover it from",
  );
  assert.equal(requests.length, 0);
  await assert.rejects(
    () =>
      clientCredentials({ issuer: "https://auth.example", clientId: "c", clientSecret: "s", fetch })
        .token(),
    TypeError,
    "Cannot use token_endpoint: the issuer https://auth.example does not advertise one",
  );
  assert.deepEqual(requests.map((r) => r.method), ["GET"], "only the metadata was fetched");
});
