import assert from "node:assert/strict";
import { compose, createFetch, type Fetch, type Handler } from "../mod.ts";

const echo: Fetch = async (input, init) => {
  const request = new Request(input, init);
  return Response.json({
    url: request.url,
    method: request.method,
    body: request.body ? await request.text() : null,
    auth: request.headers.get("authorization"),
    x: request.headers.get("x-test"),
  });
};

Deno.test("createFetch() accepts a string, a URL and a Request with init, like fetch", async () => {
  const api = createFetch([], { fetch: echo });
  assert.equal((await (await api("https://a.example/x")).json()).url, "https://a.example/x");
  assert.equal(
    (await (await api(new URL("https://a.example/y"))).json()).url,
    "https://a.example/y",
  );
  const viaRequest =
    await (await api(new Request("https://a.example/z", { method: "POST", body: "hi" }), {
      headers: { "x-test": "1" },
    })).json();
  assert.deepEqual([viaRequest.url, viaRequest.method, viaRequest.body, viaRequest.x], [
    "https://a.example/z",
    "POST",
    "hi",
    "1",
  ]);
});

Deno.test("createFetch() resolves relative URLs against baseUrl", async () => {
  const api = createFetch([], { fetch: echo, baseUrl: "https://api.example/v1/" });
  assert.equal((await (await api("users/me")).json()).url, "https://api.example/v1/users/me");
  assert.equal((await (await api("/root")).json()).url, "https://api.example/root");
  await assert.rejects(() => createFetch([], { fetch: echo })("relative/path"), TypeError);
});

Deno.test("compose() runs handlers in array order, the first outermost", async () => {
  const order: string[] = [];
  const mark = (name: string): Handler => async (request, next) => {
    order.push(`${name}>`);
    const response = await next(request);
    order.push(`<${name}`);
    return response;
  };
  const send = compose([mark("a"), mark("b")], () => Promise.resolve(new Response("end")));
  assert.equal(await (await send(new Request("https://x.example/"))).text(), "end");
  assert.deepEqual(order, ["a>", "b>", "<b", "<a"]);
});

Deno.test("createFetch() follows redirects through the handlers and replays 307 bodies", async () => {
  const seen: string[] = [];
  const platform: Fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = request.body ? await request.text() : "";
    seen.push(`${request.method} ${new URL(request.url).pathname} ${body}`);
    if (request.url.endsWith("/a")) {
      return new Response(null, { status: 307, headers: { location: "/b" } });
    }
    if (request.url.endsWith("/b")) {
      return new Response(null, { status: 303, headers: { location: "/c" } });
    }
    return new Response("done");
  };
  const hops: string[] = [];
  const spy: Handler = (request, next) => {
    hops.push(new URL(request.url).pathname);
    return next(request);
  };
  const api = createFetch([spy], { fetch: platform });
  const response = await api("https://h.example/a", { method: "POST", body: "payload" });
  assert.equal(await response.text(), "done");
  assert.deepEqual(seen, ["POST /a payload", "POST /b payload", "GET /c "]);
  assert.deepEqual(hops, ["/a", "/b", "/c"]);
});

Deno.test("createFetch() honours redirect: manual and error", async () => {
  const platform: Fetch = () =>
    Promise.resolve(
      new Response(null, { status: 302, headers: { location: "https://elsewhere.example/" } }),
    );
  const api = createFetch([], { fetch: platform });
  assert.equal((await api("https://h.example/", { redirect: "manual" })).status, 302);
  await assert.rejects(() => api("https://h.example/", { redirect: "error" }), TypeError);
});

Deno.test("createFetch() stops after maxRedirects", async () => {
  const platform: Fetch = () =>
    Promise.resolve(new Response(null, { status: 302, headers: { location: "/loop" } }));
  const api = createFetch([], { fetch: platform, maxRedirects: 3 });
  await assert.rejects(() => api("https://h.example/"), /Too many redirects/);
  assert.throws(() => createFetch([], { maxRedirects: -1 }), RangeError);
});

Deno.test("createFetch() drops credentials on a redirect to another origin", async () => {
  const seen: Array<[string, string | null, string | null]> = [];
  const platform: Fetch = (input, init) => {
    const request = new Request(input, init);
    seen.push([request.url, request.headers.get("authorization"), request.headers.get("x-custom")]);
    if (request.url.startsWith("https://a.example")) {
      return Promise.resolve(
        new Response(null, { status: 302, headers: { location: "https://b.example/" } }),
      );
    }
    return Promise.resolve(new Response("ok"));
  };
  const api = createFetch([], { fetch: platform });
  await api("https://a.example/", {
    headers: { authorization: "Bearer secret", "x-custom": "kept" },
  });
  assert.deepEqual(seen[1], ["https://b.example/", null, "kept"]);
});
