import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from "jose";
import { clientCredentials, OAuthError } from "../../mod.ts";
import {
  introspectAt as introspect,
  type OidcPeer,
  startOidcProvider,
  tokenUrl,
} from "../peers/oidc_provider.ts";

const ES_CLIENT = "pkjwt-es256";
const RS_CLIENT = "pkjwt-rs256";
const HS_CLIENT = "secret-jwt";
const HS_SECRET = "client-secret-jwt-value-0123456789abcdef0123456789";

function ccClient(id: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    client_id: id,
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
    scope: "api:read api:write",
    ...extra,
  };
}

async function keys() {
  const es = await generateKeyPair("ES256"); // private key non-extractable
  const rs = await generateKeyPair("RS256", { extractable: true });
  const esPublic = { ...(await exportJWK(es.publicKey)), kid: "es-1", alg: "ES256", use: "sig" };
  const rsPublic = { ...(await exportJWK(rs.publicKey)), kid: "rs-1", alg: "RS256", use: "sig" };
  const rsPrivateJwk = { ...(await exportJWK(rs.privateKey)), kid: "rs-1", alg: "RS256" };
  return { es, esPublic, rsPublic, rsPrivateJwk };
}

async function withPeer(
  fn: (peer: OidcPeer, k: Awaited<ReturnType<typeof keys>>) => Promise<void>,
) {
  const k = await keys();
  const peer = await startOidcProvider({
    clients: [
      ccClient(ES_CLIENT, {
        token_endpoint_auth_method: "private_key_jwt",
        jwks: { keys: [k.esPublic] },
      }),
      ccClient(RS_CLIENT, {
        token_endpoint_auth_method: "private_key_jwt",
        jwks: { keys: [k.rsPublic] },
      }),
      ccClient(HS_CLIENT, {
        token_endpoint_auth_method: "client_secret_jwt",
        client_secret: HS_SECRET,
      }),
    ],
  });
  try {
    await fn(peer, k);
  } finally {
    await peer.close();
  }
}

Deno.test("clientCredentials() authenticates with private_key_jwt and an ES256 CryptoKey at oidc-provider", async () => {
  await withPeer(async (peer, k) => {
    const grant = clientCredentials({
      tokenUrl: tokenUrl(peer),
      clientId: ES_CLIENT,
      privateKey: k.es.privateKey,
      keyId: "es-1",
      scope: "api:read",
    });
    const token = await grant.token();
    assert.equal(token.tokenType, "Bearer");
    assert.equal(token.scope, "api:read");
    const info = await introspect(peer, token.accessToken);
    assert.equal(info.active, true);
    assert.equal(info.client_id, ES_CLIENT);
  });
});

Deno.test("clientCredentials() authenticates with private_key_jwt and an RS256 JWK, audience the issuer", async () => {
  await withPeer(async (peer, k) => {
    const token = await clientCredentials({
      issuer: peer.issuer, // token endpoint by discovery; assertion aud = issuer
      clientId: RS_CLIENT,
      privateKey: k.rsPrivateJwk,
      clientAuth: "private_key_jwt",
    }).token();
    assert.equal((await introspect(peer, token.accessToken)).client_id, RS_CLIENT);
  });
});

Deno.test("clientCredentials() authenticates with client_secret_jwt (HS256) at oidc-provider", async () => {
  await withPeer(async (peer) => {
    const token = await clientCredentials({
      tokenUrl: tokenUrl(peer),
      clientId: HS_CLIENT,
      clientSecret: HS_SECRET,
      clientAuth: "client_secret_jwt",
    }).token();
    assert.equal((await introspect(peer, token.accessToken)).client_id, HS_CLIENT);
  });
});

Deno.test("private_key_jwt with the wrong key is invalid_client and the message has no assertion", async () => {
  await withPeer(async (peer) => {
    const other = await generateKeyPair("ES256");
    const error = await clientCredentials({
      tokenUrl: tokenUrl(peer),
      clientId: ES_CLIENT,
      privateKey: other.privateKey,
    }).token().catch((e) => e);
    assert(error instanceof OAuthError);
    assert.equal(error.error, "invalid_client");
    assert.equal(error.status, 401);
    assert(!/eyJ/.test(error.message));
    assert(!/eyJ/.test(JSON.stringify(error)));
  });
});

Deno.test("client_secret_jwt with a wrong secret is invalid_client", async () => {
  await withPeer(async (peer) => {
    const error = await clientCredentials({
      tokenUrl: tokenUrl(peer),
      clientId: HS_CLIENT,
      clientSecret: "wrong-secret-wrong-secret-wrong-secret-wrong",
      clientAuth: "client_secret_jwt",
    }).token().catch((e) => e);
    assert(error instanceof OAuthError);
    assert.equal(error.error, "invalid_client");
    assert(!error.message.includes("wrong-secret"));
  });
});

/** Captures the form of one token request and answers with a token. */
function capture(): { fetch: typeof fetch; forms: URLSearchParams[] } {
  const forms: URLSearchParams[] = [];
  return {
    forms,
    fetch: async (input, init) => {
      forms.push(new URLSearchParams(await new Request(input, init).text()));
      return Response.json({ access_token: "at", token_type: "Bearer", expires_in: 60 });
    },
  };
}

Deno.test("client assertions carry iss = sub = client id, aud, a 60 s exp, a unique jti and the kid", async () => {
  const { privateKey } = await generateKeyPair("ES256");
  const { fetch, forms } = capture();
  const now = () => 1_700_000_000_000;
  const grant = clientCredentials({
    tokenUrl: "https://auth.example.com/oauth/token",
    clientId: "svc",
    privateKey,
    keyId: "k1",
    fetch,
    now,
  });
  await grant.token();
  await grant.token();
  const [a, b] = forms.map((f) => f.get("client_assertion")!);
  assert.equal(
    forms[0].get("client_assertion_type"),
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
  );
  assert.equal(forms[0].get("client_id"), "svc");
  const claims = decodeJwt(a);
  assert.equal(claims.iss, "svc");
  assert.equal(claims.sub, "svc");
  assert.equal(claims.aud, "https://auth.example.com/oauth/token");
  assert.equal(claims.iat, 1_700_000_000);
  assert.equal(claims.exp, 1_700_000_060);
  assert.notEqual(claims.jti, decodeJwt(b).jti);
  assert.deepEqual(decodeProtectedHeader(a), { alg: "ES256", kid: "k1" });
});

Deno.test("client assertion aud is assertionAudience when given, and HS256 for client_secret_jwt", async () => {
  const { fetch, forms } = capture();
  await clientCredentials({
    tokenUrl: "https://auth.example.com/oauth/token",
    issuer: "https://auth.example.com",
    assertionAudience: "https://auth.example.com/aud",
    clientId: "svc",
    clientSecret: "s3cret-s3cret-s3cret-s3cret-s3cret",
    clientAuth: "client_secret_jwt",
    fetch,
  }).token();
  const jwt = forms[0].get("client_assertion")!;
  assert.equal(decodeJwt(jwt).aud, "https://auth.example.com/aud");
  assert.equal(decodeProtectedHeader(jwt).alg, "HS256");
  assert.equal(forms[0].get("client_secret"), null);
});

Deno.test("private_key_jwt with a public JWK fails up front with a TypeError", async () => {
  const { publicKey } = await generateKeyPair("ES256");
  const error = await clientCredentials({
    tokenUrl: "https://auth.example.com/oauth/token",
    clientId: "svc",
    privateKey: await exportJWK(publicKey),
    fetch: capture().fetch,
  }).token().catch((e) => e);
  assert(error instanceof TypeError);
  assert.match(error.message, /public JWK/);
});
