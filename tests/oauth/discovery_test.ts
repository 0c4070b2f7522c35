import assert from "node:assert/strict";
import { AuthFetchError, discover } from "../../mod.ts";
import { startOidcProvider, tokenUrl } from "../peers/oidc_provider.ts";

function countingFetch(calls: string[]): typeof fetch {
  return (input, init) => {
    calls.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  };
}

Deno.test("discover() finds the OpenID Provider's metadata and caches it per issuer", async () => {
  const peer = await startOidcProvider();
  try {
    const calls: string[] = [];
    const metadata = await discover(peer.issuer, { fetch: countingFetch(calls) });
    assert.equal(metadata.issuer, peer.issuer);
    assert.equal(metadata.token_endpoint, tokenUrl(peer));
    assert.equal(metadata.device_authorization_endpoint, `${peer.issuer}/device/auth`);
    assert.equal(metadata.revocation_endpoint, `${peer.issuer}/token/revocation`);
    assert.equal(metadata.introspection_endpoint, `${peer.issuer}/token/introspection`);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    // The RFC 8414 location is tried first.
    assert.deepEqual(calls, [`${peer.issuer}/.well-known/oauth-authorization-server`]);
    assert.equal(await discover(peer.issuer, { fetch: countingFetch(calls) }), metadata);
    assert.equal(calls.length, 1, "cached");
    // A URL object names the same issuer (its href gains a trailing slash).
    assert.equal((await discover(new URL(peer.issuer))).issuer, peer.issuer);
    await discover(peer.issuer, { fetch: countingFetch(calls), reload: true });
    assert.equal(calls.length, 2, "reload fetches again");
  } finally {
    await peer.close();
  }
});

Deno.test("discover() refuses a document naming another issuer and does not cache failures", async () => {
  let documentIssuer = "https://evil.example";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    // The OpenID Connect location, tried after the RFC 8414 one.
    if (path === "/tenant/.well-known/openid-configuration") {
      return Response.json({ issuer: documentIssuer, token_endpoint: "https://as.example/t" });
    }
    return new Response("not found", { status: 404 });
  });
  try {
    const issuer = `http://127.0.0.1:${server.addr.port}/tenant`;
    await assert.rejects(
      () => discover(issuer),
      (e) => e instanceof AuthFetchError && e.code === "discovery_error" && /evil/.test(e.message),
    );
    documentIssuer = issuer;
    assert.equal((await discover(issuer)).token_endpoint, "https://as.example/t");
    await assert.rejects(
      () => discover(`http://127.0.0.1:${server.addr.port}/nothing`),
      (e) => e instanceof AuthFetchError && /HTTP 404/.test(e.message),
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("discover() uses the RFC 8414 path-inserted location for issuers with a path", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/.well-known/oauth-authorization-server/realms/a") {
      return Response.json({ issuer: `${url.origin}/realms/a`, token_endpoint: "https://a/t" });
    }
    return new Response(null, { status: 404 });
  });
  try {
    const metadata = await discover(`http://127.0.0.1:${server.addr.port}/realms/a`);
    assert.equal(metadata.token_endpoint, "https://a/t");
  } finally {
    await server.shutdown();
  }
});

Deno.test("discover() refuses plain http issuers that are not loopback", () => {
  assert.throws(() => discover("http://as.example.com"), TypeError);
});
