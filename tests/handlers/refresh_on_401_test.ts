import assert from "node:assert/strict";
import {
  createFetch,
  type Fetch,
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
