import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from "jose";
import { jwtBearer, OAuthError, tokenSource } from "../../mod.ts";

const GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/**
 * A token endpoint in the manner of Google's: it verifies the assertion with the registered public key
 * (jose), checks iss, aud (its own URL), exp − iat ≤ 1 h, and answers with a token naming the claims.
 */
async function startStandIn(publicJwk: JWK, issuer: string) {
  const key = await importJWK(publicJwk, publicJwk.alg);
  const seen: Record<string, unknown>[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const form = new URLSearchParams(await request.text());
    if (form.get("grant_type") !== GRANT) {
      return Response.json({ error: "unsupported_grant_type" }, { status: 400 });
    }
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get("assertion") ?? "", key, {
        issuer,
        audience: request.url,
        maxTokenAge: "1h",
      });
      assert((payload.exp as number) - (payload.iat as number) <= 3600);
      seen.push({ ...payload, kid: protectedHeader.kid, scopeParam: form.get("scope") });
      return Response.json({
        access_token: `at-${seen.length}`,
        token_type: "Bearer",
        expires_in: 3600,
      });
    } catch (error) {
      return Response.json({ error: "invalid_grant", error_description: String(error) }, {
        status: 400,
      });
    }
  });
  return {
    tokenUrl: `http://127.0.0.1:${server.addr.port}/token`,
    seen,
    close: () => server.shutdown(),
  };
}

async function serviceAccount() {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), alg: "RS256", kid: "sa-key-1" };
  const publicJwk = { ...(await exportJWK(publicKey)), alg: "RS256", kid: "sa-key-1" };
  return { privateJwk, publicJwk, email: "robot@project.iam.gserviceaccount.com" };
}

Deno.test("jwtBearer() signs a Google service-account assertion per request that the server verifies", async () => {
  const sa = await serviceAccount();
  const server = await startStandIn(sa.publicJwk, sa.email);
  try {
    const grant = jwtBearer({
      tokenUrl: server.tokenUrl,
      sign: {
        key: sa.privateJwk,
        issuer: sa.email,
        subject: "user@example.com",
        scope: ["https://www.googleapis.com/auth/cloud-platform", "email"],
      },
    });
    const first = await grant.token();
    const second = await grant.token();
    assert.deepEqual([first.accessToken, second.accessToken], ["at-1", "at-2"]);
    const claims = server.seen[0];
    assert.equal(claims.iss, sa.email);
    assert.equal(claims.sub, "user@example.com");
    assert.equal(claims.aud, server.tokenUrl);
    assert.equal(claims.scope, "https://www.googleapis.com/auth/cloud-platform email");
    assert.equal((claims.exp as number) - (claims.iat as number), 3600);
    assert.equal(claims.kid, "sa-key-1");
    assert.equal(claims.scopeParam, null);
    assert.notEqual(server.seen[0].jti, server.seen[1].jti);
    assert(grant.legacyKey!.includes("user@example.com"));
    assert(!grant.key!.includes("user@example.com"), "the store key is hashed");
  } finally {
    await server.close();
  }
});

Deno.test("jwtBearer() sends a given assertion as it is, with tokenSource caching the token", async () => {
  const sa = await serviceAccount();
  const server = await startStandIn(sa.publicJwk, "issuer-x");
  try {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer("issuer-x")
      .setSubject("svc")
      .setAudience(server.tokenUrl)
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(await importJWK(sa.privateJwk, "RS256"));
    const tokens = tokenSource(jwtBearer({ tokenUrl: server.tokenUrl, assertion, scope: "a b" }));
    assert.equal((await tokens.getToken()).accessToken, "at-1");
    assert.equal((await tokens.getToken()).accessToken, "at-1");
    assert.equal(server.seen.length, 1);
    assert.equal(server.seen[0].scopeParam, "a b");
  } finally {
    await server.close();
  }
});

Deno.test("jwtBearer(): an assertion the server rejects is an OAuthError without the assertion", async () => {
  const sa = await serviceAccount();
  const other = await serviceAccount();
  const server = await startStandIn(sa.publicJwk, sa.email);
  try {
    const error = await jwtBearer({
      tokenUrl: server.tokenUrl,
      sign: { key: other.privateJwk, issuer: sa.email },
    }).token().catch((e) => e);
    assert(error instanceof OAuthError);
    assert.equal(error.error, "invalid_grant");
    assert(!/eyJ/.test(error.message));
  } finally {
    await server.close();
  }
});

Deno.test("jwtBearer() checks its options up front", () => {
  assert.throws(() => jwtBearer({ tokenUrl: "https://a.example/token" }), TypeError);
  assert.throws(
    () =>
      jwtBearer({
        tokenUrl: "https://a.example/token",
        sign: { key: {}, issuer: "x", lifetime: 0 },
      }),
    TypeError,
  );
});
