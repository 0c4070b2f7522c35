import assert from "node:assert/strict";
import { createFetch, requestToken, Secrets, TokenResponseError } from "../mod.ts";
import { cleanError } from "../src/platform_error.ts";

Deno.test("cleanError() keeps the class and strips URL queries and user info at every level of the cause chain", () => {
  const root = new Error("dns error for https://u:pw-123456@dead.example/x?code=c-998877#frag");
  const error = new TypeError(
    "error sending request for url (https://dead.example/cb?access_token=at-445566): connect failed",
    { cause: root },
  );
  const clean = cleanError(error, new Secrets(["at-445566"])) as TypeError;
  assert.ok(clean instanceof TypeError);
  assert.notEqual(clean, error);
  assert.equal(
    clean.message,
    "error sending request for url (https://dead.example/cb): connect failed",
  );
  assert.ok(!clean.stack!.includes("at-445566"));
  const cause = clean.cause as Error;
  assert.ok(cause instanceof Error);
  assert.equal(cause.message, "dns error for https://dead.example/x");
});

Deno.test("cleanError() returns the very error when nothing in it needs scrubbing", () => {
  const error = new TypeError("connection refused");
  assert.equal(cleanError(error, new Secrets(["s3cret-value"])), error);
  const abort = new DOMException("The signal has been aborted", "AbortError");
  assert.equal(cleanError(abort), abort);
});

Deno.test("cleanError() keeps another error class through its prototype", () => {
  class ConnectionError extends Error {
    override name = "ConnectionError";
  }
  const error = new ConnectionError("reset by https://h.example/?key=ak-123456");
  const clean = cleanError(error) as Error;
  assert.ok(clean instanceof ConnectionError);
  assert.equal(clean.name, "ConnectionError");
  assert.equal(clean.message, "reset by https://h.example/");
});

Deno.test("createFetch() rethrows a platform TypeError without the request's query or credentials", async () => {
  const api = createFetch([], {
    fetch: (input) => {
      const request = new Request(input);
      return Promise.reject(
        new TypeError(
          `error sending request for url (${request.url}) with ${request.headers.get("x-api-key")}`,
        ),
      );
    },
  });
  const error = await api("https://api.example/x?key=ak-CANARY-1234", {
    headers: { "x-api-key": "ak-CANARY-5678" },
  }).then(() => undefined, (e) => e);
  assert.ok(error instanceof TypeError);
  assert.ok(!error.message.includes("CANARY"), error.message);
  assert.ok(!(error.stack ?? "").includes("CANARY"));
});

Deno.test("createFetch() passes the caller's abort reason on as it is", async () => {
  const controller = new AbortController();
  const reason = new Error("stop https://x.example/?code=keep-me-as-is");
  controller.abort(reason);
  const api = createFetch([], { fetch: (input, init) => globalThis.fetch(input, init) });
  const error = await api("https://x.example/", { signal: controller.signal }).then(
    () => undefined,
    (e) => e,
  );
  assert.equal(error, reason);
});

Deno.test("a body that fails mid-read becomes a TokenResponseError whose message and cause carry no secret", async () => {
  const secret = "cs-CANARY-7b2e9d";
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("partial"));
      controller.error(
        new TypeError(`connection reset after client_secret=${secret} at https://h/?x=${secret}`),
      );
    },
  });
  const error = await requestToken({
    tokenUrl: "https://as.example/token",
    clientId: "svc",
    clientSecret: secret,
    fetch: () => Promise.resolve(new Response(body, { status: 500 })),
  }, { grant_type: "client_credentials" }).then(() => undefined, (e) => e);
  assert.ok(error instanceof TokenResponseError, String(error));
  assert.ok(error.cause instanceof TypeError);
  const texts = [
    error.message,
    error.stack,
    (error.cause as Error).message,
    (error.cause as Error).stack,
    Deno.inspect(error),
  ];
  assert.ok(!texts.join("\n").includes("CANARY"), texts.join("\n"));
});
