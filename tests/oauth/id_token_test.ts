import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { IdTokenError, validateIdToken } from "../../mod.ts";

const ISSUER = "https://op.example";
const T0 = 1_700_000_000_000;
const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwks = { keys: [{ ...await exportJWK(publicKey), kid: "k1", alg: "ES256" } as JsonWebKey] };

function sign(claims: JWTPayload, key: CryptoKey = privateKey): Promise<string> {
  return new SignJWT({ sub: "alice", nonce: "n-1", ...claims })
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? "web")
    .setIssuedAt(T0 / 1000)
    .setExpirationTime(T0 / 1000 + 300)
    .sign(key);
}

const options = { issuer: ISSUER, clientId: "web", nonce: "n-1", jwks, now: () => T0 };

function rejects(token: Promise<string>, why: RegExp, overrides = {}) {
  return assert.rejects(
    async () => validateIdToken(await token, { ...options, ...overrides }),
    (e) => e instanceof IdTokenError && e.code === "id_token_error" && why.test(e.message),
  );
}

Deno.test("validateIdToken() accepts a good token and returns its claims", async () => {
  const claims = await validateIdToken(await sign({}), options);
  assert.equal(claims.sub, "alice");
});

Deno.test("validateIdToken() rejects a tampered token", async () => {
  const token = await sign({});
  const [h, , s] = token.split(".");
  const payload = btoa(JSON.stringify({
    iss: ISSUER,
    aud: "web",
    sub: "mallory",
    nonce: "n-1",
    iat: T0 / 1000,
    exp: T0 / 1000 + 300,
  })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  await rejects(Promise.resolve(`${h}.${payload}.${s}`), /signature/);
});

Deno.test("validateIdToken() rejects a foreign iss, another audience and a wrong nonce", async () => {
  await rejects(sign({ iss: "https://evil.example" }), /another issuer/);
  await rejects(sign({ aud: "other-client" }), /another client/);
  await rejects(sign({ nonce: "n-2" }), /nonce does not match/);
  await rejects(sign({ nonce: undefined }), /no nonce/);
});

Deno.test("validateIdToken() checks azp with several audiences", async () => {
  await rejects(sign({ aud: ["web", "api"] }), /azp/);
  await rejects(sign({ aud: ["web", "api"], azp: "api" }), /azp/);
  const claims = await validateIdToken(await sign({ aud: ["web", "api"], azp: "web" }), options);
  assert.equal(claims.azp, "web");
});

Deno.test("validateIdToken() rejects an expired token, allowing the clock tolerance", async () => {
  const token = await sign({});
  await validateIdToken(token, { ...options, now: () => T0 + 330_000 });
  await rejects(Promise.resolve(token), /expired/, { now: () => T0 + 400_000 });
});

Deno.test("validateIdToken() rejects HS256 tokens signed with a shared secret by default", async () => {
  const token = await new SignJWT({ sub: "a", nonce: "n-1" }).setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER).setAudience("web").setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 60)
    .sign(new TextEncoder().encode("0123456789abcdef0123456789abcdef"));
  await rejects(Promise.resolve(token), /algorithm|key/);
});
