import assert from "node:assert/strict";
import {
  auth,
  createFetch,
  type Fetch,
  MemoryStore,
  protectedResource,
  type ResourceLogin,
} from "../../mod.ts";
import { startOidcProvider } from "../peers/oidc_provider.ts";
import { approveDeviceCode, completeAuthorization } from "../peers/oidc_interactions.ts";
import { startProtectedResource } from "../peers/protected_resource.ts";

/** A fetch that counts requests by method and path. */
function counting(): { fetch: Fetch; count(method: string, path: string): number } {
  const calls: string[] = [];
  return {
    fetch: (input, init) => {
      const request = new Request(input, init);
      calls.push(`${request.method} ${new URL(request.url).pathname}`);
      return globalThis.fetch(request);
    },
    count: (method, path) => calls.filter((c) => c === `${method} ${path}`).length,
  };
}

function headless(logins: URL[]): ResourceLogin {
  return {
    kind: "browser",
    redirectUri: "http://127.0.0.1:9/callback",
    authorize: (url) => {
      logins.push(url);
      return completeAuthorization(url, { login: "alice" });
    },
  };
}

/**
 * A protectedResource() source for `resource` that logs in headlessly (each authorization URL is kept
 * in `logins`) and counts its requests, with a pipeline that uses it.
 */
function headlessClient(resource: string, options: { offlineAccess?: boolean } = {}) {
  const logins: URL[] = [];
  const wire = counting();
  const tokens = protectedResource(resource, {
    login: headless(logins),
    store: new MemoryStore(),
    fetch: wire.fetch,
    ...options,
  });
  return { logins, wire, tokens, api: createFetch([auth(tokens)]) };
}

/** oidc-provider with registration and resource indicators, and an API that checks the audience. */
async function peers() {
  // Filled in once the API's URL is known; the provider reads it per request.
  const resourceServers: Record<string, { scope: string }> = {};
  const provider = await startOidcProvider({ registration: true, resourceServers });
  const api = await startProtectedResource({
    issuer: provider.issuer,
    jwksUri: `${provider.issuer}/jwks`,
  });
  resourceServers[api.resource] = { scope: "api:read api:write" };
  return {
    provider,
    api,
    async [Symbol.asyncDispose]() {
      await api.close();
      await provider.close();
    },
  };
}

Deno.test("protectedResource() against oidc-provider: 401, discovery, registration, login, audience-bound token", async () => {
  await using p = await peers();
  const { logins, wire, api } = headlessClient(p.api.resource);

  const response = await api(p.api.resource);
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.ok(body.scopes.includes("api:read"));
  // First call without a token, then the replay with one.
  assert.deepEqual(p.api.seen.filter((s) => s.path === "/api").map((s) => s.status), [401, 200]);
  assert.equal(wire.count("POST", "/reg"), 1);
  assert.equal(logins.length, 1);
  assert.equal(logins[0].searchParams.get("resource"), p.api.resource);
  assert.equal(logins[0].searchParams.get("code_challenge_method"), "S256");

  // Cached: no new login or registration.
  assert.equal((await api(p.api.resource)).status, 200);
  assert.equal(logins.length, 1);
  assert.equal(wire.count("POST", "/reg"), 1);

  // Never sent to another resource, even on the same origin.
  const other = new URL("/elsewhere", p.api.resource).href;
  assert.equal(await (await api(other)).text(), "elsewhere");
  assert.equal(p.api.seen.find((s) => s.path === "/elsewhere")?.authorization, null);
});

Deno.test("protectedResource() steps up on 403 insufficient_scope with the union of scopes, then replays", async () => {
  await using p = await peers();
  const { logins, api } = headlessClient(p.api.resource, { offlineAccess: false });
  assert.equal((await api(p.api.resource)).status, 200);
  assert.equal(logins[0].searchParams.get("scope"), "api:read");

  const admin = await api(`${p.api.resource}/admin`);
  assert.equal(admin.status, 200);
  assert.deepEqual((await admin.json()).scopes.sort(), ["api:read", "api:write"]);
  assert.equal(logins.length, 2);
  assert.deepEqual(logins[1].searchParams.get("scope")!.split(" ").sort(), [
    "api:read",
    "api:write",
  ]);
  assert.deepEqual(
    p.api.seen.filter((s) => s.path === "/api/admin").map((s) => s.status),
    [403, 200],
  );
  // The stepped-up token serves both routes now.
  assert.equal((await api(p.api.resource)).status, 200);
  assert.equal(logins.length, 2);
});

Deno.test("protectedResource() refreshes with the resource indicator and keeps the audience", async () => {
  await using p = await peers();
  const { logins, wire, tokens, api } = headlessClient(p.api.resource);
  assert.equal((await api(p.api.resource)).status, 200);
  const first = await tokens.getToken();
  assert.ok(first.refreshToken !== undefined, "oidc-provider issued a refresh token");
  const second = await tokens.getToken({ rejected: first.accessToken });
  assert.notEqual(second.accessToken, first.accessToken);
  assert.equal(logins.length, 1, "a refresh, not a new login");
  assert.equal(wire.count("POST", "/token"), 2);
  assert.equal((await api(p.api.resource)).status, 200);
});

Deno.test("protectedResource() refuses metadata naming another resource and never logs in", async () => {
  const provider = await startOidcProvider({ registration: true });
  const api = await startProtectedResource({
    issuer: provider.issuer,
    jwksUri: `${provider.issuer}/jwks`,
    resourceOverride: "https://evil.example.com/api",
  });
  try {
    const logins: URL[] = [];
    const fetch = createFetch([auth(protectedResource(api.resource, { login: headless(logins) }))]);
    await assert.rejects(
      fetch(api.resource),
      /is for resource "https:\/\/evil\.example\.com\/api"/,
    );
    assert.equal(logins.length, 0);
  } finally {
    await api.close();
    await provider.close();
  }
});

Deno.test("protectedResource() signs a device in against oidc-provider with a registered native client", async () => {
  await using p = await peers();
  const registrations: Record<string, unknown>[] = [];
  const tokens = protectedResource(p.api.resource, {
    store: new MemoryStore(),
    login: {
      kind: "device",
      onPrompt: (prompt) => {
        // The person approves on another device while the CLI polls.
        queueMicrotask(() => void approveDeviceCode(prompt.verificationUri, prompt.userCode));
      },
      // Poll fast: the provider is local.
      sleep: () => new Promise((resolve) => setTimeout(resolve, 5)),
    },
    fetch: async (input, init) => {
      const request = new Request(input, init);
      if (new URL(request.url).pathname === "/reg") {
        registrations.push(await request.clone().json());
      }
      return globalThis.fetch(request);
    },
  });
  const response = await createFetch([auth(tokens)])(p.api.resource);
  assert.equal(response.status, 200);
  assert.ok((await response.json()).scopes.includes("api:read"));
  assert.equal(registrations.length, 1);
  assert.equal(registrations[0].application_type, "native");
  assert.deepEqual(registrations[0].grant_types, [
    "urn:ietf:params:oauth:grant-type:device_code",
    "refresh_token",
  ]);
});
