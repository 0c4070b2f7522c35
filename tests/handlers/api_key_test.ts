import assert from "node:assert/strict";
import { apiKey, createFetch, type Fetch } from "../../mod.ts";

const KEY = "k-secret-0123456789";

function recorder() {
  const requests: Request[] = [];
  const fetch: Fetch = (input, init) => {
    const request = new Request(input, init);
    requests.push(request);
    if (request.url.includes("/hop")) {
      return Promise.resolve(
        new Response(null, {
          status: 302,
          headers: { location: "https://other.example.com/landing" },
        }),
      );
    }
    return Promise.resolve(new Response("ok"));
  };
  return { fetch, requests };
}

Deno.test("apiKey() sets x-api-key for allowed origins only", async () => {
  const { fetch, requests } = recorder();
  const api = createFetch([apiKey(KEY, { origins: ["https://api.example.com"] })], { fetch });
  await (await api("https://api.example.com/v1/things")).body?.cancel();
  await (await api("https://elsewhere.example.com/")).body?.cancel();
  assert.equal(requests[0].headers.get("x-api-key"), KEY);
  assert.equal(requests[1].headers.get("x-api-key"), null);
});

Deno.test("apiKey() with a scheme uses Authorization: <scheme> <key>, and a custom header", async () => {
  const { fetch, requests } = recorder();
  await (await createFetch([apiKey(KEY, { scheme: "Token" })], { fetch })("https://a.example/"))
    .body?.cancel();
  await (await createFetch([apiKey(KEY, { header: "X-Goog-Api-Key" })], { fetch })(
    "https://a.example/",
  ))
    .body?.cancel();
  assert.equal(requests[0].headers.get("authorization"), `Token ${KEY}`);
  assert.equal(requests[1].headers.get("x-goog-api-key"), KEY);
});

Deno.test("apiKey() in a query parameter keeps the rest of the URL and the body", async () => {
  const { fetch, requests } = recorder();
  const api = createFetch([apiKey(KEY, { query: "key" })], { fetch });
  await (await api("https://maps.example.com/geo?q=paris#x", { method: "POST", body: "b" })).body
    ?.cancel();
  const url = new URL(requests[0].url);
  assert.equal(url.searchParams.get("key"), KEY);
  assert.equal(url.searchParams.get("q"), "paris");
  assert.equal(await requests[0].text(), "b");
  assert.equal(requests[0].method, "POST");
});

Deno.test("apiKey() never sends the key across a redirect to another origin, nor over plain http", async () => {
  const { fetch, requests } = recorder();
  const api = createFetch([apiKey(KEY)], { fetch });
  await (await api("https://api.example.com/hop")).body?.cancel();
  assert.equal(requests[0].headers.get("x-api-key"), KEY);
  assert.equal(requests[1].url, "https://other.example.com/landing");
  assert.equal(requests[1].headers.get("x-api-key"), null);
  await (await api("http://plain.example.com/")).body?.cancel();
  assert.equal(requests[2].headers.get("x-api-key"), null);
});

Deno.test("apiKey() rejects bad keys and options without quoting the key", () => {
  for (
    const [key, options] of [
      ["", {}],
      [" padded-secret ", {}],
      ["line\nbreak-secret", {}],
      ["ok", { header: "bad header" }],
      ["ok", { query: "" }],
    ] as const
  ) {
    const error = (() => {
      try {
        apiKey(key, options);
      } catch (e) {
        return e as Error;
      }
    })();
    assert(error instanceof TypeError, `${JSON.stringify(options)} throws`);
    assert(!error.message.includes("secret"));
  }
});
