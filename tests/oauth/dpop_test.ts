import assert from "node:assert/strict";
import {
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
} from "jose";
import {
  auth,
  AuthFetchError,
  clientCredentials,
  createFetch,
  dpopKey,
  existingToken,
  type Fetch,
  tokenSource,
} from "../../mod.ts";
import {
  CC_CLIENT_ID,
  CC_CLIENT_SECRET,
  introspectAt as introspect,
  type OidcPeer,
  startOidcProvider,
  tokenUrl,
} from "../peers/oidc_provider.ts";

async function withPeer(fn: (peer: OidcPeer) => Promise<void>, dpopNonce = false) {
  const peer = await startOidcProvider({ dpopNonce });
  try {
    await fn(peer);
  } finally {
    await peer.close();
  }
}

/** A fetch that records the DPoP proofs it sends. */
function recording(): { fetch: Fetch; proofs: string[]; statuses: number[] } {
  const proofs: string[] = [];
  const statuses: number[] = [];
  return {
    proofs,
    statuses,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const proof = request.headers.get("dpop");
      if (proof !== null) proofs.push(proof);
      const response = await fetch(request);
      statuses.push(response.status);
      return response;
    },
  };
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return base64url.encode(new Uint8Array(digest));
}

/**
 * A resource server that accepts only DPoP-bound tokens whose proof checks out (RFC 9449 §7): the proof
 * is verified with its embedded key, `htm`, `htu`, `ath` and the nonce are checked, and the key's
 * thumbprint must equal the token's `cnf.jkt` (asked from the provider by introspection).
 */
function startResourceServer(jktOf: (token: string) => Promise<string | undefined>) {
  let nonce = "rs-nonce-1";
  const seen: { method: string; body: string; nonceRetry: boolean }[] = [];
  const jtis = new Set<string>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const deny = (error: string, extra: Record<string, string> = {}) =>
      new Response(null, {
        status: 401,
        headers: { "www-authenticate": `DPoP error="${error}", algs="ES256"`, ...extra },
      });
    const match = /^DPoP (\S+)$/.exec(request.headers.get("authorization") ?? "");
    const proof = request.headers.get("dpop");
    if (match === null || proof === null) return deny("invalid_token");
    const token = match[1];
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: "dpop+jwt",
      algorithms: ["ES256"],
    });
    const url = new URL(request.url);
    assert.equal(payload.htm, request.method);
    assert.equal(payload.htu, `${url.origin}${url.pathname}`);
    assert.equal(payload.ath, await sha256(token));
    assert(typeof payload.jti === "string" && !jtis.has(payload.jti), "jti is unique");
    jtis.add(payload.jti as string);
    assert(Math.abs((payload.iat as number) - Date.now() / 1000) < 60);
    const jkt = await calculateJwkThumbprint(protectedHeader.jwk!);
    if (jkt !== await jktOf(token)) return deny("invalid_token");
    const body = await request.text();
    if (payload.nonce !== nonce) {
      seen.push({ method: request.method, body, nonceRetry: true });
      return deny("use_dpop_nonce", { "dpop-nonce": nonce });
    }
    seen.push({ method: request.method, body, nonceRetry: false });
    return Response.json({ ok: true, jkt }, { headers: { "dpop-nonce": nonce } });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    rotateNonce(value: string) {
      nonce = value;
    },
    close: () => server.shutdown(),
  };
}

Deno.test("clientCredentials({ dpop }) gets a DPoP-bound token from oidc-provider: cnf.jkt is the key's thumbprint", async () => {
  await withPeer(async (peer) => {
    const dpop = await dpopKey();
    const { fetch, proofs } = recording();
    const grant = clientCredentials({
      tokenUrl: tokenUrl(peer),
      clientId: CC_CLIENT_ID,
      clientSecret: CC_CLIENT_SECRET,
      scope: "api:read",
      dpop,
      fetch,
    });
    const token = await grant.token();
    assert.equal(token.tokenType, "DPoP");
    assert.equal(token.dpopJkt, dpop.thumbprint);
    const info = await introspect(peer, token.accessToken);
    assert.equal(info.active, true);
    assert.deepEqual(info.cnf, { jkt: dpop.thumbprint });
    assert.equal(info.token_type, "DPoP");
    // The proof on the token request: typ, public jwk only, htm/htu, no ath.
    assert.equal(proofs.length, 1);
    const header = decodeProtectedHeader(proofs[0]);
    assert.equal(header.typ, "dpop+jwt");
    assert.equal(header.alg, "ES256");
    assert.equal((header.jwk as Record<string, unknown>).d, undefined);
    const claims = decodeJwt(proofs[0]);
    assert.equal(claims.htm, "POST");
    assert.equal(claims.htu, tokenUrl(peer));
    assert.equal(claims.ath, undefined);
    // The store key names the key, so a token is never reused with another key.
    assert(grant.legacyKey!.endsWith(`dpop:${dpop.thumbprint}`));
    const otherKey = await dpopKey();
    assert.notEqual(
      clientCredentials({ tokenUrl: tokenUrl(peer), clientId: CC_CLIENT_ID, dpop: otherKey }).key,
      grant.key,
    );
  });
});

Deno.test("token requests retry once with the server nonce on use_dpop_nonce (oidc-provider requireNonce)", async () => {
  await withPeer(async (peer) => {
    const dpop = await dpopKey();
    const { fetch, proofs, statuses } = recording();
    const grant = clientCredentials({
      tokenUrl: tokenUrl(peer),
      clientId: CC_CLIENT_ID,
      clientSecret: CC_CLIENT_SECRET,
      dpop,
      fetch,
    });
    const token = await grant.token();
    assert.equal(token.tokenType, "DPoP");
    assert.deepEqual(statuses, [400, 200]);
    assert.equal(decodeJwt(proofs[0]).nonce, undefined);
    const nonce = decodeJwt(proofs[1]).nonce;
    assert(typeof nonce === "string" && nonce.length > 0);
    assert.equal(dpop.nonce(tokenUrl(peer)), nonce);
    // The nonce is remembered for the origin: the next request needs no retry.
    await grant.token();
    assert.deepEqual(statuses, [400, 200, 200]);
    assert.deepEqual((await introspect(peer, token.accessToken)).cnf, { jkt: dpop.thumbprint });
  }, true);
});

Deno.test("auth({ dpop }) sends DPoP-bound tokens with a proof a resource server verifies, retrying its nonce once", async () => {
  await withPeer(async (peer) => {
    const dpop = await dpopKey();
    const rs = startResourceServer(async (token) => {
      const info = await introspect(peer, token);
      return (info.cnf as { jkt?: string } | undefined)?.jkt;
    });
    try {
      const tokens = tokenSource(clientCredentials({
        tokenUrl: tokenUrl(peer),
        clientId: CC_CLIENT_ID,
        clientSecret: CC_CLIENT_SECRET,
        dpop,
      }));
      const api = createFetch([auth(tokens, { dpop })]);
      const first = await api(`${rs.url}/things?page=2#top`);
      assert.equal(first.status, 200);
      assert.deepEqual(await first.json(), { ok: true, jkt: dpop.thumbprint });
      assert.deepEqual(rs.seen.map((s) => s.nonceRetry), [true, false]);
      // The nonce is remembered: a POST with a body goes through at once, and a rotated nonce is retried
      // once with the body replayed.
      const second = await api(`${rs.url}/things`, { method: "POST", body: "payload-1" });
      assert.equal(second.status, 200);
      await second.body?.cancel();
      rs.rotateNonce("rs-nonce-2");
      const third = await api(`${rs.url}/things`, { method: "PUT", body: "payload-2" });
      assert.equal(third.status, 200);
      await third.body?.cancel();
      assert.deepEqual(rs.seen.slice(2), [
        { method: "POST", body: "payload-1", nonceRetry: false },
        { method: "PUT", body: "payload-2", nonceRetry: true },
        { method: "PUT", body: "payload-2", nonceRetry: false },
      ]);
    } finally {
      await rs.close();
    }
  });
});

Deno.test("auth() never sends a DPoP-bound token with another key, or without one", async () => {
  const bound = await dpopKey();
  const other = await dpopKey();
  let sent = 0;
  const fetch: Fetch = () => {
    sent++;
    return Promise.resolve(new Response("ok"));
  };
  const grant = {
    token: () =>
      Promise.resolve({
        accessToken: "bound-token-value",
        tokenType: "DPoP",
        dpopJkt: bound.thumbprint,
      }),
  };
  for (const options of [{ dpop: other }, {}]) {
    const api = createFetch([auth(tokenSource(grant), options)], { fetch });
    const error = await api("https://api.example.com/").catch((e) => e);
    assert(error instanceof AuthFetchError);
    assert.equal(error.code, "token_unavailable");
    assert(!error.message.includes("bound-token-value"));
  }
  assert.equal(sent, 0);
  const ok = createFetch([auth(tokenSource(grant), { dpop: bound })], { fetch });
  assert.equal((await ok("https://api.example.com/")).status, 200);
  assert.equal(sent, 1);
});

Deno.test("auth({ dpop }) sends a Bearer token as Bearer, without a proof", async () => {
  const dpop = await dpopKey();
  let headers: Headers | undefined;
  const api = createFetch([auth(tokenSource(existingToken({ accessToken: "plain" })), { dpop })], {
    fetch: (input, init) => {
      headers = new Request(input, init).headers;
      return Promise.resolve(new Response("ok"));
    },
  });
  await (await api("https://api.example.com/")).body?.cancel();
  assert.equal(headers?.get("authorization"), "Bearer plain");
  assert.equal(headers?.get("dpop"), null);
});

Deno.test("DPoPKey.proof() has htm, htu without query and fragment, iat, unique jti, ath and nonce", async () => {
  const key = await dpopKey({ now: () => 1_700_000_000_500 });
  const a = await key.proof("get", "https://api.example.com/v1/x?q=1#f", {
    accessToken: "token-value",
    nonce: "n-1",
  });
  const b = await key.proof("GET", "https://api.example.com/v1/x");
  const claims = decodeJwt(a);
  assert.equal(claims.htm, "GET");
  assert.equal(claims.htu, "https://api.example.com/v1/x");
  assert.equal(claims.iat, 1_700_000_000);
  assert.equal(claims.ath, await sha256("token-value"));
  assert.equal(claims.nonce, "n-1");
  assert.notEqual(claims.jti, decodeJwt(b).jti);
  assert.equal(decodeJwt(b).nonce, undefined);
  const header = decodeProtectedHeader(a);
  assert.equal(await calculateJwkThumbprint(header.jwk!), key.thumbprint);
  // The generated private key cannot be exported.
  const { payload } = await jwtVerify(a, EmbeddedJWK, {
    typ: "dpop+jwt",
    currentDate: new Date(1_700_000_000_000),
  });
  assert.equal(payload.htm, "GET");
});

Deno.test("dpopKey() uses a given RSA key pair with its algorithm", async () => {
  const pair = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    false,
    ["sign", "verify"],
  );
  const key = await dpopKey({ keyPair: pair });
  assert.equal(key.algorithm, "RS256");
  const proof = await key.proof("POST", "https://auth.example.com/token");
  assert.equal(decodeProtectedHeader(proof).alg, "RS256");
  assert.deepEqual(Object.keys(key.publicJwk()).sort(), ["e", "kty", "n"]);
});
