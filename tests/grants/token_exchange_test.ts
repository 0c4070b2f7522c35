import assert from "node:assert/strict";
import { OAuthError, tokenExchange, tokenSource } from "../../mod.ts";

const GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS = "urn:ietf:params:oauth:token-type:access_token";
const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";

/** An RFC 8693 token endpoint stand-in: accepts subject "user-token", optional actor "svc-token". */
function startStandIn() {
  const forms: URLSearchParams[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const form = new URLSearchParams(await request.text());
    forms.push(form);
    if (request.headers.get("authorization") !== `Basic ${btoa("gateway:gw-secret")}`) {
      return Response.json({ error: "invalid_client" }, { status: 401 });
    }
    if (form.get("grant_type") === "refresh_token") {
      return Response.json({ access_token: "refreshed", token_type: "Bearer", expires_in: 60 });
    }
    if (form.get("grant_type") !== GRANT) {
      return Response.json({ error: "unsupported_grant_type" }, { status: 400 });
    }
    if (form.get("subject_token") !== "user-token") {
      return Response.json({ error: "invalid_grant", error_description: "bad subject" }, {
        status: 400,
      });
    }
    const type = form.get("requested_token_type") ?? ACCESS;
    return Response.json({
      access_token: `exchanged-${forms.length}`,
      issued_token_type: type,
      token_type: type === ACCESS ? "Bearer" : "N_A",
      expires_in: 60,
      ...(form.get("actor_token") ? { refresh_token: "rt-1" } : {}),
    });
  });
  return {
    tokenUrl: `http://127.0.0.1:${server.addr.port}/token`,
    forms,
    close: () => server.shutdown(),
  };
}

Deno.test("tokenExchange() sends subject token, type, audience, resource and scope; keeps issued_token_type", async () => {
  const server = startStandIn();
  try {
    const token = await tokenExchange({
      tokenUrl: server.tokenUrl,
      clientId: "gateway",
      clientSecret: "gw-secret",
      subjectToken: "user-token",
      audience: "https://backend.example.com",
      resource: ["https://backend.example.com/api", "https://backend.example.com/files"],
      scope: ["read", "write"],
    }).token();
    assert.equal(token.accessToken, "exchanged-1");
    assert.equal(token.issuedTokenType, ACCESS);
    const form = server.forms[0];
    assert.equal(form.get("grant_type"), GRANT);
    assert.equal(form.get("subject_token_type"), ACCESS);
    assert.equal(form.get("audience"), "https://backend.example.com");
    assert.deepEqual(form.getAll("resource"), [
      "https://backend.example.com/api",
      "https://backend.example.com/files",
    ]);
    assert.equal(form.get("scope"), "read write");
    assert.equal(form.get("actor_token"), null);
    assert.equal(form.get("requested_token_type"), null);
  } finally {
    await server.close();
  }
});

Deno.test("tokenExchange() with an actor token (delegation), a requested type and tokens from functions", async () => {
  const server = startStandIn();
  try {
    let calls = 0;
    const grant = tokenExchange({
      tokenUrl: server.tokenUrl,
      clientId: "gateway",
      clientSecret: "gw-secret",
      subjectToken: () => {
        calls++;
        return Promise.resolve("user-token");
      },
      subjectTokenType: JWT_TYPE,
      actorToken: "svc-token",
      requestedTokenType: JWT_TYPE,
      subject: "alice",
    });
    const tokens = tokenSource(grant);
    const token = await tokens.getToken();
    assert.equal(token.issuedTokenType, JWT_TYPE);
    assert.equal(token.refreshToken, "rt-1");
    const form = server.forms[0];
    assert.equal(form.get("subject_token_type"), JWT_TYPE);
    assert.equal(form.get("actor_token"), "svc-token");
    assert.equal(form.get("actor_token_type"), ACCESS);
    assert.equal(form.get("requested_token_type"), JWT_TYPE);
    assert.equal(calls, 1);
    assert(grant.legacyKey!.includes("alice"));
    assert(!grant.key!.includes("user-token") && !grant.legacyKey!.includes("user-token"));
    // Renewal uses the refresh token.
    const renewed = await grant.refresh!(token);
    assert.equal(renewed.accessToken, "refreshed");
    assert.equal(server.forms[1].get("refresh_token"), "rt-1");
  } finally {
    await server.close();
  }
});

Deno.test("tokenExchange(): a rejected subject token is an OAuthError without the token", async () => {
  const server = startStandIn();
  try {
    const error = await tokenExchange({
      tokenUrl: server.tokenUrl,
      clientId: "gateway",
      clientSecret: "gw-secret",
      subjectToken: "stolen-subject-token",
    }).token().catch((e) => e);
    assert(error instanceof OAuthError);
    assert.equal(error.error, "invalid_grant");
    assert(!error.message.includes("stolen-subject-token"));
    assert.throws(() => tokenExchange({ tokenUrl: server.tokenUrl, subjectToken: "" }), TypeError);
  } finally {
    await server.close();
  }
});
