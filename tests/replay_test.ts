import assert from "node:assert/strict";
import {
  apiKey,
  auth,
  createFetch,
  type Handler,
  replay,
  retry,
  timeout,
  type TokenSource,
} from "../mod.ts";
import { startStrictServer, type WireRequest } from "./peers/strict_http_server.ts";
import { startWsgiServer } from "./peers/wsgi_server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Every replayable body kind, made fresh for each send. */
const KINDS: Record<string, () => BodyInit> = {
  string: () => '{"a":1}',
  ArrayBuffer: () => encoder.encode("an array buffer").buffer as ArrayBuffer,
  Uint8Array: () => encoder.encode("a typed array"),
  DataView: () => new DataView(encoder.encode("a data view").buffer as ArrayBuffer),
  Blob: () => new Blob(["a blob body"], { type: "application/x-blob" }),
  URLSearchParams: () => new URLSearchParams({ a: "1", b: "two words" }),
  FormData: () => {
    const form = new FormData();
    form.set("field", "value");
    form.set("file", new Blob(["file content"], { type: "text/plain" }), "f.txt");
    return form;
  },
};

/** A token source that hands out "old" until "old" is rejected, then "new". */
function oldThenNew(): TokenSource & { asked: number } {
  return {
    asked: 0,
    getToken(options) {
      this.asked++;
      const accessToken = options?.rejected === "old" ? "new" : "old";
      return Promise.resolve({ accessToken, tokenType: "Bearer" });
    },
  };
}

/** Each scenario: a pipeline, the path kind it is sent to, and how many requests reach the server. */
const SCENARIOS: Record<string, { handlers: () => Handler[]; path: string; sends: number }> = {
  "first send": { handlers: () => [], path: "ok", sends: 1 },
  "401 replay": { handlers: () => [auth(oldThenNew())], path: "401", sends: 2 },
  "retry": {
    handlers: () => [retry({ methods: ["POST"], baseDelay: 0 })],
    path: "503",
    sends: 2,
  },
  "307": { handlers: () => [], path: "307", sends: 2 },
  "308 through retry, auth and timeout": {
    handlers: () => [retry({ methods: ["POST"], baseDelay: 0 }), auth(oldThenNew()), timeout(5000)],
    path: "308",
    sends: 2,
  },
};

function header(request: WireRequest, name: string): string | undefined {
  return request.headers.find(([n]) => n === name)?.[1];
}

/** Framing and body with a multipart boundary replaced, so two FormData sends compare equal. */
function framing(request: WireRequest) {
  const type = header(request, "content-type");
  const boundary = /boundary=(.+)$/.exec(type ?? "")?.[1];
  let body = decoder.decode(request.body);
  if (boundary !== undefined) body = body.replaceAll(boundary, "BOUNDARY");
  const length = header(request, "content-length");
  assert.equal(Number(length), request.body.length, "Content-Length matches the bytes sent");
  return {
    length: boundary === undefined ? length : "(checked)",
    chunked: request.chunked,
    transferEncoding: header(request, "transfer-encoding"),
    type: boundary === undefined ? type : type!.replace(boundary, "BOUNDARY"),
    body,
  };
}

for (const input of ["init.body", "a Request"]) {
  Deno.test(`createFetch() sends every body kind (${input}) as plain fetch does, on the first send and every replay`, async () => {
    const server = startStrictServer();
    try {
      for (const [kind, make] of Object.entries(KINDS)) {
        const call = (f: typeof fetch, url: string) =>
          input === "init.body"
            ? f(url, { method: "POST", body: make() })
            : f(new Request(url, { method: "POST", body: make() }));
        await (await call(fetch, `${server.origin}/ok/plain-${kind}`)).arrayBuffer();
        const plain = framing(server.requests.at(-1)!);
        assert.equal(plain.chunked, false);
        for (const [name, scenario] of Object.entries(SCENARIOS)) {
          const before = server.requests.length;
          const api = createFetch(scenario.handlers()) as typeof fetch;
          const response = await call(api, `${server.origin}/${scenario.path}/${kind}-${name}`);
          assert.equal(response.status, 200, `${kind}, ${name}: ${response.status}`);
          await response.arrayBuffer();
          const sent = server.requests.slice(before);
          assert.equal(sent.length, scenario.sends, `${kind}, ${name}`);
          for (const request of sent) assert.deepEqual(framing(request), plain, `${kind}, ${name}`);
        }
      }
    } finally {
      await server.close();
    }
  });
}

Deno.test("createFetch() bodies reach a WSGI application (wsgiref) whole, on the first send and every replay", async () => {
  const server = await startWsgiServer();
  try {
    for (const [kind, make] of Object.entries(KINDS)) {
      const expected = new Uint8Array(
        await new Request("http://x/", { method: "POST", body: make() }).arrayBuffer(),
      );
      for (const [name, scenario] of Object.entries(SCENARIOS)) {
        const api = createFetch(scenario.handlers());
        const response = await api(
          `${server.origin}/${scenario.path}/${kind}-${name.replaceAll(" ", "-")}`,
          {
            method: "POST",
            body: make(),
          },
        );
        assert.equal(response.status, 200, `${kind}, ${name}`);
        const seen = await response.json();
        const body = Uint8Array.from(atob(seen.body), (c) => c.charCodeAt(0));
        assert.equal(seen.transfer_encoding, null, `${kind}, ${name}`);
        assert.equal(seen.content_length, String(body.length), `${kind}, ${name}`);
        if (kind === "FormData") {
          const boundary = /boundary=(.+)$/.exec(seen.content_type)![1];
          const own = /boundary=(\S+)/.exec(decoder.decode(expected))?.[1] ??
            decoder.decode(expected).split("\r\n")[0].slice(2);
          assert.equal(
            decoder.decode(body).replaceAll(boundary, "B"),
            decoder.decode(expected).replaceAll(own, "B"),
            `${kind}, ${name}`,
          );
        } else {
          assert.deepEqual(body, expected, `${kind}, ${name}`);
        }
      }
    }
  } finally {
    await server.close();
  }
});

/** A stream body that counts how often it was pulled from. */
function countedStream(text: string): { stream: ReadableStream<Uint8Array>; reads: () => number } {
  let reads = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      reads++;
      controller.enqueue(encoder.encode(text));
      controller.close();
    },
  });
  return { stream, reads: () => reads };
}

Deno.test("refresh-on-401 sends a ReadableStream body once and hands the 401 back", async () => {
  const server = startStrictServer();
  try {
    const tokens = oldThenNew();
    const { stream } = countedStream("streamed");
    const api = createFetch([auth(tokens)]);
    const response = await api(`${server.origin}/401/allow-chunked-1`, {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    assert.equal(response.status, 401);
    await response.arrayBuffer();
    assert.equal(server.requests.length, 1);
    assert.equal(decoder.decode(server.requests[0].body), "streamed");
    assert.equal(server.requests[0].chunked, true, "sent as plain fetch sends a stream");
    // The rejected token was replaced for the next call.
    assert.equal((await tokens.getToken()).accessToken, "old");
    assert.equal(tokens.asked, 3);
  } finally {
    await server.close();
  }
});

Deno.test("retry() does not retry a request whose body is a ReadableStream", async () => {
  const server = startStrictServer();
  try {
    const { stream } = countedStream("streamed");
    const api = createFetch([retry({ methods: ["POST"], baseDelay: 0 })]);
    const response = await api(`${server.origin}/503/allow-chunked-2`, {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    assert.equal(response.status, 503);
    await response.arrayBuffer();
    assert.equal(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("createFetch() rejects a 307 for a ReadableStream body with TypeError, as fetch does", async () => {
  const server = startStrictServer();
  try {
    const call = (f: typeof fetch) =>
      f(`${server.origin}/307/allow-chunked-3`, {
        method: "POST",
        body: countedStream("streamed").stream,
        duplex: "half",
      } as RequestInit);
    await assert.rejects(call(fetch), TypeError);
    await assert.rejects(call(createFetch([]) as typeof fetch), (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /307 redirect .* stream/);
      return true;
    });
  } finally {
    await server.close();
  }
});

Deno.test("a ReadableStream body is never teed: nothing is read from it beyond what is sent", async () => {
  let pulled = 0;
  const chunks = 64;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled++ === chunks) controller.close();
      else controller.enqueue(new Uint8Array(1024));
    },
  }, { highWaterMark: 0 });
  // A last handler that reads only the first chunk: a tee would have pulled the source further.
  const api = createFetch([retry({ methods: ["POST"] }), auth(oldThenNew())], {
    fetch: async (input) => {
      const reader = (input as Request).body!.getReader();
      await reader.read();
      const before = pulled;
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(pulled, before);
      await reader.cancel();
      return new Response("ok");
    },
  });
  const response = await api("http://127.0.0.1:9/upload", {
    method: "POST",
    body: stream,
    duplex: "half",
  } as RequestInit);
  assert.equal(await response.text(), "ok");
  assert.ok(pulled <= 2, `pulled ${pulled} chunks`);
});

Deno.test("replay() rebuilds a body from its source and returns undefined for a stream", async () => {
  const copies: Request[] = [];
  const twice: Handler = async (request, next) => {
    await (await next(request)).arrayBuffer();
    const again = replay(request);
    if (again === undefined) return new Response("no replay");
    copies.push(again);
    return next(again);
  };
  const bodies: string[] = [];
  const api = createFetch([twice], {
    fetch: async (input) => {
      bodies.push(await (input as Request).text());
      return new Response("sent");
    },
  });
  assert.equal(
    await (await api("https://a.example/", { method: "PUT", body: "x" })).text(),
    "sent",
  );
  assert.deepEqual(bodies, ["x", "x"]);
  assert.equal(copies[0].method, "PUT");
  const streamed = await api("https://a.example/", {
    method: "PUT",
    body: countedStream("y").stream,
    duplex: "half",
  } as RequestInit);
  assert.equal(await streamed.text(), "no replay");
  assert.deepEqual(bodies, ["x", "x", "y"]);
});

Deno.test("apiKey({ query }) keeps every body kind framed as plain fetch sends it", async () => {
  const server = startStrictServer();
  try {
    for (const [kind, make] of Object.entries(KINDS)) {
      await (await fetch(`${server.origin}/ok/plain-${kind}`, { method: "POST", body: make() }))
        .arrayBuffer();
      const plain = framing(server.requests.at(-1)!);
      const api = createFetch([
        retry({ methods: ["POST"], baseDelay: 0 }),
        apiKey("k", { query: "key", origins: [server.origin] }),
      ]);
      const response = await api(`${server.origin}/503/key-${kind}`, {
        method: "POST",
        body: make(),
      });
      assert.equal(response.status, 200, kind);
      await response.arrayBuffer();
      for (const request of server.requests.slice(-2)) {
        assert.match(request.line, /\?key=k /);
        assert.deepEqual(framing(request), plain, kind);
      }
    }
  } finally {
    await server.close();
  }
});

Deno.test("replay() of a request from outside createFetch copies it while its body is unread, and refuses once it was read", async () => {
  const get = new Request("https://a.example/x", { headers: { "x-a": "1" } });
  const copy = replay(get)!;
  assert.equal(copy.url, get.url);
  assert.equal(copy.headers.get("x-a"), "1");
  const post = new Request("https://a.example/x", { method: "POST", body: "x" });
  await post.text();
  assert.equal(replay(post), undefined);
});
