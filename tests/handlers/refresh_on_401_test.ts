import assert from "node:assert/strict";
import {
  auth,
  createFetch,
  type Fetch,
  type GetTokenOptions,
  type Handler,
  isTokenRejection,
  parseWwwAuthenticate,
  refreshOn401,
  type TokenSource,
} from "../../mod.ts";

function rotating() {
  let n = 1;
  const rejected: string[] = [];
  const tokens: TokenSource = {
    getToken: (options) => {
      if (options?.rejected) {
        rejected.push(options.rejected);
        if (options.rejected === `t${n}`) n++;
      }
      return Promise.resolve({ accessToken: `t${n}`, tokenType: "Bearer" });
    },
  };
  return { tokens, rejected };
}

const attach = (tokens: TokenSource): Handler => async (request, next) => {
  request.headers.set("authorization", `Bearer ${(await tokens.getToken()).accessToken}`);
  return next(request);
};

Deno.test("refreshOn401() on its own replays once with a new token after a 401 for the token sent", async () => {
  const { tokens, rejected } = rotating();
  const seen: string[] = [];
  const fetch: Fetch = (input, init) => {
    const request = new Request(input, init);
    const header = request.headers.get("authorization")!;
    seen.push(header);
    return Promise.resolve(new Response(null, { status: header === "Bearer t1" ? 401 : 200 }));
  };
  const api = createFetch([attach(tokens), refreshOn401(tokens)], { fetch });
  assert.equal((await api("https://a.example/")).status, 200);
  assert.deepEqual(seen, ["Bearer t1", "Bearer t2"]);
  assert.deepEqual(rejected, ["t1"]);
});

Deno.test("refreshOn401() leaves requests without a bearer token and non-token 401s alone", async () => {
  const { tokens, rejected } = rotating();
  let calls = 0;
  const fetch: Fetch = () => {
    calls++;
    return Promise.resolve(
      new Response(null, {
        status: 401,
        headers: { "www-authenticate": 'Bearer error="insufficient_scope"' },
      }),
    );
  };
  const api = createFetch([refreshOn401(tokens)], { fetch });
  assert.equal((await api("https://a.example/")).status, 401);
  assert.equal(
    (await api("https://a.example/", { headers: { authorization: "Bearer t1" } })).status,
    401,
  );
  assert.equal(calls, 2);
  assert.deepEqual(rejected, []);
});

Deno.test("parseWwwAuthenticate() reads RFC 6750 and DPoP challenges and survives garbage", () => {
  const [bearer, dpop] = parseWwwAuthenticate(
    'Bearer realm="example", error="invalid_token", error_description="The access token expired", ' +
      'DPoP algs="ES256 PS256", error="use_dpop_nonce"',
  );
  assert.equal(bearer.scheme, "Bearer");
  assert.deepEqual(bearer.params, {
    realm: "example",
    error: "invalid_token",
    error_description: "The access token expired",
  });
  assert.equal(dpop.scheme, "DPoP");
  assert.equal(dpop.params.error, "use_dpop_nonce");
  assert.equal(dpop.params.algs, "ES256 PS256");
  assert.deepEqual(
    parseWwwAuthenticate('Basic realm="a \\"quoted\\" realm"')[0].params.realm,
    'a "quoted" realm',
  );
  assert.equal(parseWwwAuthenticate("Negotiate abc123==")[0].token68, "abc123==");
  for (
    const bad of [
      "",
      ",,,",
      '"',
      "=",
      'Bearer error="unterminated',
      "Bearer ,,, =x",
      "\u0000\u00ff",
    ]
  ) {
    assert.ok(Array.isArray(parseWwwAuthenticate(bad)), bad);
  }
});

Deno.test("isTokenRejection() treats a bare 401 and invalid_token as a rejected token", () => {
  const r = (h?: string) =>
    new Response(null, { status: 401, headers: h ? { "www-authenticate": h } : {} });
  assert.equal(isTokenRejection(r()), true);
  assert.equal(isTokenRejection(r('Bearer error="invalid_token"')), true);
  assert.equal(isTokenRejection(r('Bearer error="invalid_request"')), false);
  assert.equal(isTokenRejection(new Response(null, { status: 403 })), false);
});

Deno.test("refreshOn401() and auth() hand a plain source the 401 as its challenge, with the token it rejected", async () => {
  const asked: GetTokenOptions[] = [];
  let n = 1;
  const tokens: TokenSource = {
    getToken: (options = {}) => {
      asked.push(options);
      if (options.rejected === `t${n}`) n++;
      return Promise.resolve({ accessToken: `t${n}`, tokenType: "Bearer" });
    },
  };
  const challenge =
    'Bearer error="invalid_token", resource_metadata="https://api.example/.well-known/oauth-protected-resource"';
  const fetch: Fetch = (input, init) => {
    const request = new Request(input, init);
    return Promise.resolve(
      request.headers.get("authorization") === "Bearer t1"
        ? new Response(null, { status: 401, headers: { "www-authenticate": challenge } })
        : new Response("ok"),
    );
  };
  const expected = {
    status: 401,
    url: "https://api.example/v1/things",
    wwwAuthenticate: challenge,
  };
  for (const handlers of [[attach(tokens), refreshOn401(tokens)], [auth(tokens)]]) {
    asked.length = 0;
    n = 1;
    const response = await createFetch(handlers, { fetch })("https://api.example/v1/things");
    assert.equal(await response.text(), "ok");
    const refresh = asked.find((options) => options.rejected !== undefined);
    assert.equal(refresh?.rejected, "t1");
    assert.deepEqual(refresh?.challenge, expected);
  }
});
