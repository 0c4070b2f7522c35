import assert from "node:assert/strict";
import {
  AuthFetchError,
  canonicalResource,
  discoverResource,
  resourceChallenge,
  resourceCovers,
} from "../../mod.ts";
import { startStub } from "../peers/mcp_auth_stub.ts";

Deno.test("discoverResource() uses the challenge's resource_metadata URL first", async () => {
  const stub = await startStub({ prm: "root" });
  try {
    const url = `${new URL(stub.resource).origin}/.well-known/oauth-protected-resource`;
    const found = await discoverResource(stub.resource, { resourceMetadataUrl: url });
    assert.equal(found.via, "metadata");
    assert.equal(found.issuer, stub.issuer);
    assert.deepEqual(stub.log.filter((l) => l.includes("protected-resource")), [
      "GET /.well-known/oauth-protected-resource",
    ]);
  } finally {
    await stub.close();
  }
});

Deno.test("discoverResource() tries the path-based well-known URL before the root", async () => {
  const stub = await startStub({ prm: "path" });
  try {
    const found = await discoverResource(stub.resource);
    assert.equal(found.resource, stub.resource);
    assert.deepEqual(stub.log.filter((l) => l.includes("protected-resource")), [
      "GET /.well-known/oauth-protected-resource/mcp",
    ]);
  } finally {
    await stub.close();
  }
});

Deno.test("discoverResource() falls back to the root well-known URL and accepts a resource above the path", async () => {
  const stub = await startStub({ prm: "root" });
  try {
    const found = await discoverResource(stub.resource);
    assert.equal(found.resource, new URL(stub.resource).origin);
    assert.deepEqual(stub.log.filter((l) => l.includes("protected-resource")), [
      "GET /.well-known/oauth-protected-resource/mcp",
      "GET /.well-known/oauth-protected-resource",
    ]);
  } finally {
    await stub.close();
  }
});

Deno.test("discoverResource() discovers the AS in MCP order: RFC 8414, OIDC inserted, OIDC appended", async () => {
  for (const asMetadata of ["oauth", "oidc-inserted", "oidc-appended"] as const) {
    const stub = await startStub({ issuerPath: "/tenant", asMetadata });
    try {
      const found = await discoverResource(stub.resource);
      assert.equal(found.issuer, stub.issuer);
      const tried = stub.log.filter((l) => l.includes("well-known/o") && !l.includes("protected"));
      const order = [
        "GET /.well-known/oauth-authorization-server/tenant",
        "GET /.well-known/openid-configuration/tenant",
        "GET /tenant/.well-known/openid-configuration",
      ];
      assert.deepEqual(tried, order.slice(0, order.findIndex((o) => o === tried.at(-1)) + 1));
      assert.equal(tried.length, { oauth: 1, "oidc-inserted": 2, "oidc-appended": 3 }[asMetadata]);
    } finally {
      await stub.close();
    }
  }
});

Deno.test("discoverResource() refuses metadata for another resource", async () => {
  const stub = await startStub({ resourceOverride: "https://evil.example.com/mcp" });
  try {
    await assert.rejects(
      discoverResource(stub.resource),
      (e) =>
        e instanceof AuthFetchError && e.code === "discovery_error" &&
        /evil\.example\.com/.test(e.message),
    );
    assert.ok(!stub.log.some((l) => l.includes("authorization-server")), "the AS is never asked");
  } finally {
    await stub.close();
  }
});

Deno.test("discoverResource() refuses AS metadata with another issuer", async () => {
  const stub = await startStub({ issuerOverride: "https://evil.example.com" });
  try {
    await assert.rejects(
      discoverResource(stub.resource),
      /names issuer "https:\/\/evil\.example\.com"/,
    );
  } finally {
    await stub.close();
  }
});

Deno.test("discoverResource() refuses a server without S256 PKCE unless PKCE is not needed", async () => {
  const stub = await startStub({ pkce: false });
  try {
    await assert.rejects(discoverResource(stub.resource), /does not list S256/);
    const found = await discoverResource(stub.resource, { requirePkce: false });
    assert.equal(found.issuer, stub.issuer);
  } finally {
    await stub.close();
  }
});

Deno.test("discoverResource() refuses a plain-http metadata URL that is not loopback", async () => {
  await assert.rejects(
    discoverResource("https://api.example.com/mcp", {
      resourceMetadataUrl: "http://169.254.169.254/latest/meta-data",
      fetch: () => Promise.reject(new Error("must not be fetched")),
    }),
    (e) => e instanceof TypeError && /only https:/.test(e.message),
  );
});

Deno.test("discoverResource() does not follow redirects and caps the document size", async () => {
  let calls = 0;
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    calls++;
    assert.equal(init?.redirect, "manual");
    const url = String(input);
    if (url.endsWith("/mcp")) {
      return Promise.resolve(
        new Response(null, { status: 302, headers: { location: "https://internal.example/x" } }),
      );
    }
    return Promise.resolve(new Response("x".repeat(300 * 1024), { status: 200 }));
  };
  await assert.rejects(
    discoverResource("https://api.example.com/mcp", { fetch }),
    (e) =>
      e instanceof AuthFetchError && /redirect, not followed/.test(e.message) &&
      /limit/.test(e.message),
  );
  assert.equal(calls, 2);
});

Deno.test("discoverResource() falls back to MCP 2025-03-26: the origin's metadata, then default endpoints", async () => {
  const stub = await startStub({ prm: "none" });
  try {
    const found = await discoverResource(stub.resource);
    assert.equal(found.via, "legacy-default");
    assert.equal(
      found.authorizationServer.token_endpoint,
      `${new URL(stub.resource).origin}/token`,
    );
  } finally {
    await stub.close();
  }
});

Deno.test("resourceChallenge(), canonicalResource() and resourceCovers() read and compare resources", () => {
  assert.deepEqual(
    resourceChallenge(
      'Bearer error="insufficient_user_authentication", acr_values="strong", max_age="60"',
    ),
    { error: "insufficient_user_authentication", acrValues: "strong", maxAge: "60" },
  );
  assert.equal(
    canonicalResource("HTTPS://API.example.com:443/mcp#frag"),
    "https://api.example.com/mcp",
  );
  assert.equal(resourceCovers("https://a.example/mcp", "https://a.example/mcp/x"), true);
  assert.equal(resourceCovers("https://a.example/mcp", "https://a.example/mcpx"), false);
  assert.equal(resourceCovers("https://a.example/mcp", "https://b.example/mcp"), false);
  assert.equal(resourceCovers("https://a.example", "https://a.example/anything"), true);
});
