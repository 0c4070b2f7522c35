import assert from "node:assert/strict";
import { auth, createFetch, existingToken, retry, timeout, tokenSource } from "../../mod.ts";

const TOKEN = "at-redirect-canary-0123456789";
const STATUSES = [301, 302, 303, 307, 308] as const;

/** A stub network: `routes` maps a URL (without query) to a redirect target; everything else is 200. */
function network(routes: Record<string, string>) {
  const seen: { url: string; method: string; authorization: string | null }[] = [];
  let status = 302;
  const fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const key = `${new URL(request.url).origin}${new URL(request.url).pathname}`;
    seen.push({
      url: request.url,
      method: request.method,
      authorization: request.headers.get("authorization"),
    });
    const location = routes[key];
    if (location !== undefined) {
      return Promise.resolve(new Response(null, { status, headers: { location } }));
    }
    return Promise.resolve(new Response("ok"));
  };
  return {
    fetch,
    seen,
    setStatus(s: number) {
      status = s;
    },
  };
}

function client(fetch: typeof globalThis.fetch, origins?: string[]) {
  const tokens = tokenSource(existingToken({ accessToken: TOKEN }));
  return createFetch([retry(), timeout(1000), auth(tokens, origins ? { origins } : {})], { fetch });
}

const CASES: { name: string; from: string; to: string; gets: boolean }[] = [
  {
    name: "relative Location, same origin",
    from: "https://api.example.com/a",
    to: "/b",
    gets: true,
  },
  {
    name: "absolute Location, same origin",
    from: "https://api.example.com/a",
    to: "https://api.example.com/b",
    gets: true,
  },
  {
    name: "another https origin",
    from: "https://api.example.com/a",
    to: "https://evil.example.net/steal",
    gets: false,
  },
  {
    name: "same host, plain http",
    from: "https://api.example.com/a",
    to: "http://api.example.com/b",
    gets: false,
  },
  {
    name: "same host, another port",
    from: "https://api.example.com/a",
    to: "https://api.example.com:8443/b",
    gets: false,
  },
  {
    name: "loopback, another port",
    from: "http://127.0.0.1:8080/a",
    to: "http://127.0.0.1:9090/b",
    gets: false,
  },
  {
    name: "loopback to another loopback name",
    from: "http://127.0.0.1:8080/a",
    to: "http://localhost:8080/b",
    gets: false,
  },
  {
    name: "protocol-relative Location to another host",
    from: "https://api.example.com/a",
    to: "//evil.example.net/steal",
    gets: false,
  },
];

for (const c of CASES) {
  Deno.test(`auth() with default origins sends the token after every redirect status only when it stays same-origin: ${c.name}`, async () => {
    for (const status of STATUSES) {
      const net = network({ [c.from]: c.to });
      net.setStatus(status);
      const api = client(net.fetch);
      for (const method of ["GET", "POST", "PUT"]) {
        net.seen.length = 0;
        const response = await api(c.from, {
          method,
          body: method === "GET" ? undefined : "payload",
        });
        assert.equal(response.status, 200);
        await response.body?.cancel();
        assert.equal(net.seen.length, 2, `${status} ${method}`);
        assert.equal(net.seen[0].authorization, `Bearer ${TOKEN}`);
        const last = net.seen[1];
        assert.equal(
          last.authorization,
          c.gets ? `Bearer ${TOKEN}` : null,
          `${status} ${method} to ${last.url}: ${last.authorization}`,
        );
      }
    }
  });
}

Deno.test("auth() never sends the token to a plain http: origin that was not allowed, even when listed origins redirect there", async () => {
  const net = network({ "https://api.example.com/a": "http://api.example.com/b" });
  for (const status of STATUSES) {
    net.setStatus(status);
    net.seen.length = 0;
    const api = client(net.fetch, ["https://api.example.com"]);
    await (await api("https://api.example.com/a")).body?.cancel();
    assert.equal(net.seen[1].authorization, null, String(status));
  }
});

Deno.test("auth() does not send the token to an allowed origin reached only by a redirect from another", async () => {
  // Both origins are allowed, but the call started at one of them: the token stays there.
  const net = network({ "https://a.example.com/x": "https://b.example.com/y" });
  const api = client(net.fetch, ["https://a.example.com", "https://b.example.com"]);
  await (await api("https://a.example.com/x")).body?.cancel();
  assert.equal(net.seen[0].authorization, `Bearer ${TOKEN}`);
  assert.equal(net.seen[1].authorization, null);
  // and a call that starts at b does get it
  net.seen.length = 0;
  await (await api("https://b.example.com/y")).body?.cancel();
  assert.equal(net.seen[0].authorization, `Bearer ${TOKEN}`);
});

Deno.test("a chain of redirects that leaves and comes back never shows the token to the middle hop", async () => {
  const net = network({
    "https://api.example.com/a": "https://evil.example.net/b",
    "https://evil.example.net/b": "https://api.example.com/c",
  });
  const api = client(net.fetch);
  await (await api("https://api.example.com/a")).body?.cancel();
  assert.equal(net.seen.length, 3);
  assert.equal(net.seen[1].url, "https://evil.example.net/b");
  assert.equal(net.seen[1].authorization, null);
});

Deno.test("a caller's own Authorization and Cookie headers are dropped on a cross-origin redirect", async () => {
  const net = network({ "https://api.example.com/a": "https://evil.example.net/b" });
  const seenHeaders: Headers[] = [];
  const api = createFetch([], {
    fetch: (input, init) => {
      seenHeaders.push(new Request(input, init).headers);
      return net.fetch(input, init);
    },
  });
  await (await api("https://api.example.com/a", {
    headers: { authorization: "Basic dXNlcjpwYXNz", cookie: "session=abc", dpop: "proof" },
  })).body?.cancel();
  assert.equal(seenHeaders[1].get("authorization"), null);
  assert.equal(seenHeaders[1].get("cookie"), null);
  assert.equal(seenHeaders[1].get("dpop"), null);
});

Deno.test("token requests do not follow redirects (the grant's secrets are never replayed)", async () => {
  const { clientCredentials } = await import("../../mod.ts");
  const seen: string[] = [];
  const grant = clientCredentials({
    tokenUrl: "https://auth.example.com/token",
    clientId: "svc",
    clientSecret: "s3cret-redirect-canary",
    fetch: (input, init) => {
      const request = new Request(input, init);
      seen.push(request.url);
      assert.equal(request.redirect, "manual");
      return Promise.resolve(
        new Response(null, {
          status: 307,
          headers: { location: "https://evil.example.net/token" },
        }),
      );
    },
  });
  await assert.rejects(grant.token(), (e: Error) => {
    assert.equal(e.name, "TokenResponseError");
    assert.ok(!e.message.includes("s3cret-redirect-canary"));
    return true;
  });
  assert.deepEqual(seen, ["https://auth.example.com/token"]);
});
