import assert from "node:assert/strict";
import {
  auth,
  createFetch,
  MemoryStore,
  protectedResource,
  type ProtectedResourceOptions,
} from "../../mod.ts";
import { approve, startStub, type StubOptions } from "../peers/mcp_auth_stub.ts";

const browser = {
  kind: "browser",
  redirectUri: "http://127.0.0.1:9/callback",
  authorize: approve,
} as const;

async function withStub(
  stubOptions: StubOptions,
  fn: (stub: Awaited<ReturnType<typeof startStub>>) => Promise<void>,
) {
  const stub = await startStub(stubOptions);
  try {
    await fn(stub);
  } finally {
    await stub.close();
  }
}

function api(url: string, options: Partial<ProtectedResourceOptions> = {}) {
  const tokens = protectedResource(url, { login: browser, store: new MemoryStore(), ...options });
  return { tokens, fetch: createFetch([auth(tokens)]) };
}

Deno.test("protectedResource() uses a pre-registered client and registers nothing", async () => {
  await withStub({}, async (stub) => {
    const { fetch } = api(stub.resource, { client: { clientId: "pre", clientAuth: "none" } });
    assert.equal((await fetch(stub.resource)).status, 200);
    assert.equal(stub.registrations.length, 0);
    assert.equal(stub.authorizations[0].get("client_id"), "pre");
  });
});

Deno.test("protectedResource() uses the client ID metadata document URL when the server supports it", async () => {
  const cimd = "https://app.example.com/client.json";
  await withStub({ cimd: true }, async (stub) => {
    const { fetch } = api(stub.resource, { clientMetadataUrl: cimd });
    assert.equal((await fetch(stub.resource)).status, 200);
    assert.equal(stub.registrations.length, 0);
    assert.equal(stub.authorizations[0].get("client_id"), cimd);
  });
  await withStub({ cimd: false }, async (stub) => {
    const { fetch } = api(stub.resource, { clientMetadataUrl: cimd });
    assert.equal((await fetch(stub.resource)).status, 200);
    assert.equal(stub.registrations.length, 1, "unsupported: dynamic registration instead");
  });
});

Deno.test("protectedResource() registers a native client dynamically, once per issuer and store", async () => {
  await withStub({}, async (stub) => {
    const store = new MemoryStore();
    const first = api(stub.resource, { store });
    assert.equal((await first.fetch(stub.resource)).status, 200);
    assert.equal(stub.registrations.length, 1);
    const registration = stub.registrations[0];
    assert.equal(registration.application_type, "native");
    assert.deepEqual(registration.redirect_uris, ["http://127.0.0.1:9/callback"]);
    assert.deepEqual(registration.grant_types, ["authorization_code", "refresh_token"]);
    assert.equal(registration.token_endpoint_auth_method, "none");
    // Another source on the same store: the stored registration and token are used.
    const second = api(stub.resource, { store });
    assert.equal((await second.fetch(stub.resource)).status, 200);
    assert.equal(stub.registrations.length, 1);
    assert.equal(stub.authorizations.length, 1);
  });
});

Deno.test("protectedResource() registers again when the server rejects the client (invalid_client)", async () => {
  await withStub({}, async (stub) => {
    const store = new MemoryStore();
    assert.equal((await api(stub.resource, { store }).fetch(stub.resource)).status, 200);
    stub.rejectedClients.add("client-1");
    await store.delete(`authfetch:token:${stub.issuer} ${stub.resource}`);
    const again = api(stub.resource, { store });
    assert.equal((await again.fetch(stub.resource)).status, 200);
    assert.equal(stub.registrations.length, 2);
    assert.equal(stub.authorizations.at(-1)!.get("client_id"), "client-2");
  });
});

Deno.test("protectedResource() sends the canonical resource on authorization, token and refresh requests", async () => {
  await withStub({}, async (stub) => {
    const { tokens, fetch } = api(stub.resource);
    assert.equal((await fetch(stub.resource)).status, 200);
    const token = await tokens.getToken();
    await tokens.getToken({ rejected: token.accessToken });
    assert.equal(stub.authorizations[0].get("resource"), stub.resource);
    assert.deepEqual(stub.tokenRequests.map((b) => [b.get("grant_type"), b.get("resource")]), [
      ["authorization_code", stub.resource],
      ["refresh_token", stub.resource],
    ]);
  });
});

Deno.test("protectedResource() takes the challenge's scope, else scopes_supported, else none", async () => {
  await withStub(
    { needs: { "/mcp": ["read"] }, scopesSupported: ["read", "write"] },
    async (stub) => {
      assert.equal((await api(stub.resource).fetch(stub.resource)).status, 200);
      assert.equal(stub.authorizations[0].get("scope"), "read");
    },
  );
  await withStub({ scopesSupported: ["read", "write"] }, async (stub) => {
    assert.equal((await api(stub.resource).fetch(stub.resource)).status, 200);
    assert.equal(stub.authorizations[0].get("scope"), "read write");
  });
  await withStub({}, async (stub) => {
    assert.equal((await api(stub.resource).fetch(stub.resource)).status, 200);
    assert.equal(stub.authorizations[0].has("scope"), false);
  });
});

Deno.test("protectedResource() steps up once for a new scope with the union of scopes", async () => {
  const needs = { "/mcp": ["read"], "/mcp/write": ["read", "write"] };
  await withStub({ needs }, async (stub) => {
    const { fetch } = api(stub.resource);
    assert.equal((await fetch(stub.resource)).status, 200);
    assert.equal((await fetch(`${stub.resource}/write`)).status, 200);
    assert.deepEqual(stub.authorizations.map((a) => a.get("scope")), ["read", "read write"]);
  });
});

Deno.test("protectedResource() does not sign in again for a 403 asking only for scopes the token has", async () => {
  await withStub({ needs: { "/mcp": ["admin"] } }, async (stub) => {
    let refused = 0;
    const tokens = protectedResource(stub.resource, { login: browser, store: new MemoryStore() });
    const fetch = createFetch([auth(tokens)], {
      fetch: async (input, init) => {
        const request = new Request(input, init);
        const response = await globalThis.fetch(request);
        if (new URL(request.url).pathname !== "/mcp" || !request.headers.has("authorization")) {
          return response;
        }
        // The resource keeps refusing although the token has the scope it names.
        await response.body?.cancel();
        refused++;
        return new Response(null, {
          status: 403,
          headers: { "www-authenticate": 'Bearer error="insufficient_scope", scope="admin"' },
        });
      },
    });
    assert.equal((await fetch(stub.resource)).status, 403);
    assert.equal((await fetch(stub.resource)).status, 403);
    assert.equal(stub.authorizations.length, 1);
    assert.equal(refused, 2);
  });
});

Deno.test("protectedResource() replays a request at most twice however the resource keeps refusing", async () => {
  await withStub({ needs: { "/mcp": [] } }, async (stub) => {
    let calls = 0;
    const tokens = protectedResource(stub.resource, { login: browser, store: new MemoryStore() });
    const fetch = createFetch([auth(tokens)], {
      fetch: (input, init) => {
        const request = new Request(input, init);
        if (new URL(request.url).pathname !== "/mcp") return globalThis.fetch(request);
        calls++;
        // Every answer asks for one more scope.
        return Promise.resolve(
          new Response(null, {
            status: request.headers.has("authorization") ? 403 : 401,
            headers: { "www-authenticate": `Bearer error="insufficient_scope", scope="s${calls}"` },
          }),
        );
      },
    });
    const response = await fetch(stub.resource);
    assert.equal(response.status, 403);
    assert.equal(calls, 3, "the request and two replays");
    assert.equal(stub.authorizations.length, 2, "one sign-in, one step-up");
  });
});

Deno.test("protectedResource() re-authenticates on insufficient_user_authentication with acr_values and max_age", async () => {
  await withStub({ strongPaths: ["/mcp"] }, async (stub) => {
    const { fetch } = api(stub.resource);
    assert.equal((await fetch(stub.resource)).status, 200);
    assert.equal(stub.authorizations.length, 2);
    assert.equal(stub.authorizations[0].has("acr_values"), false);
    assert.equal(stub.authorizations[1].get("acr_values"), "strong");
    assert.equal(stub.authorizations[1].get("max_age"), "60");
  });
});

Deno.test("protectedResource() never sends its token outside the resource", async () => {
  await withStub({ needs: { "/mcp": [], "/other": [] } }, async (stub) => {
    const { fetch } = api(stub.resource);
    assert.equal((await fetch(stub.resource)).status, 200);
    const other = new URL("/other", stub.resource).href;
    assert.equal((await fetch(other)).status, 401, "no token sent, and no sign-in for it");
    assert.equal(stub.authorizations.length, 1);
  });
});

Deno.test("protectedResource() across processes sharing a FileStore: one registration, one login", async () => {
  await withStub({}, async (stub) => {
    const dir = await Deno.makeTempDir();
    try {
      const script = new URL("./_protected_resource_process.ts", import.meta.url);
      const runs = await Promise.all(
        [1, 2, 3].map(() =>
          new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", script.href, stub.resource, dir],
            stdout: "piped",
            stderr: "piped",
          }).output()
        ),
      );
      for (const run of runs) {
        assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
        assert.equal(new TextDecoder().decode(run.stdout).trim(), "200");
      }
      assert.equal(stub.registrations.length, 1);
      assert.equal(stub.authorizations.length, 1);
      assert.equal(stub.tokenRequests.length, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
