import assert from "node:assert/strict";
import fc from "npm:fast-check@^4.3.0";
import {
  AuthFetchError,
  authorizationCode,
  OAuthError,
  StateError,
  TokenResponseError,
  verifyState,
} from "../../mod.ts";
import { FileStore } from "../../src/stores/file.ts";
import { parseRecord } from "../../src/stores/_record.ts";
import { badError, canary, PARAMS } from "./_fuzz.ts";

const VERIFIER = canary("CV", 1).padEnd(43, "v");
const CODE = canary("CD", 2);
const KEY = "state-key-of-at-least-32-bytes-long!!";

const callbackParam = fc.oneof(
  fc.constantFrom(
    "state",
    "code",
    "error",
    "error_description",
    "error_uri",
    "iss",
    "session_state",
  ),
  fc.string({ maxLength: 8 }),
);
const callbackValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", "KEPT", "access_denied", "https://auth.example.com", CODE, `code=${CODE}`),
);
/** Callback URLs, query strings and fragments, well-formed or not. */
const callback = fc.oneof(
  fc.array(fc.tuple(callbackParam, callbackValue), { maxLength: 6 }).chain((pairs) =>
    fc.constantFrom(
      "?",
      "#",
      "https://app.example.com/callback?",
      "/callback?",
      "https://evil.example.net/callback#",
    )
      .map((prefix) => prefix + new URLSearchParams(pairs).toString())
  ),
  fc.string({ maxLength: 80 }),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
);

Deno.test("fuzz: authorizationCode().finish() accepts only its own callback and fails with documented errors", async () => {
  let exchanges = 0;
  const login = authorizationCode({
    authorizationUrl: "https://auth.example.com/authorize",
    tokenUrl: "https://auth.example.com/token",
    issuer: "https://auth.example.com",
    idTokenValidation: false,
    clientId: "web",
    redirectUri: "https://app.example.com/callback",
    fetch: (input) => {
      if (new Request(input).url.includes(".well-known")) {
        return Promise.resolve(new Response("no", { status: 404 }));
      }
      exchanges++;
      return Promise.resolve(Response.json({ access_token: "at", token_type: "Bearer" }));
    },
  });
  const { state } = await login.start();
  await fc.assert(
    fc.asyncProperty(callback, async (text) => {
      const input = text.replaceAll("KEPT", encodeURIComponent(state));
      let token;
      try {
        token = await login.finish(input, { state, codeVerifier: VERIFIER });
      } catch (error) {
        const problem = badError(
          error,
          [StateError, OAuthError, TokenResponseError, AuthFetchError, TypeError],
          [VERIFIER, CODE],
        );
        if (problem) throw new Error(problem);
        // a TypeError only for a callback that is not a URL at all
        if (error instanceof TypeError) assert.match(error.message, /URL|url/);
        return;
      }
      // accepted: only with the state this login started with
      const params = new URL(input, "https://app.example.com/callback");
      const query = params.search ? params.searchParams : new URLSearchParams(params.hash.slice(1));
      assert.equal(query.get("state"), state);
      assert.equal(token.accessToken, "at");
    }),
    PARAMS,
  );
  assert.ok(exchanges >= 0);
});

Deno.test("fuzz: verifyState() rejects every string that is not a state it signed, with StateError", async () => {
  const options = { key: KEY, clientId: "web", issuer: "https://auth.example.com" };
  const jwtish = fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) =>
    p.join(".").replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, "")
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), jwtish), async (state) => {
      try {
        await verifyState(state, options);
      } catch (error) {
        const problem = badError(error, [StateError], [KEY]);
        if (problem) throw new Error(problem);
        return;
      }
      throw new Error(`accepted a forged state: ${state}`);
    }),
    PARAMS,
  );
});

const recordish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({
    authfetch: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })),
    version: fc.oneof(fc.nat(), fc.double(), fc.constant(-1), fc.string()),
    token: fc.oneof(
      fc.record({
        accessToken: fc.oneof(fc.string(), fc.integer()),
        tokenType: fc.oneof(fc.constant("Bearer"), fc.integer()),
        expiresAt: fc.oneof(fc.double(), fc.string(), fc.constant(undefined)),
        refreshToken: fc.oneof(fc.string(), fc.constant(null), fc.constant(undefined)),
      }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  }, { requiredKeys: [] }),
);

Deno.test("fuzz: stored token records parse to a token or a store_error", () => {
  fc.assert(
    fc.property(recordish, (value) => {
      try {
        const record = parseRecord(value, "token file");
        assert.equal(typeof record.token.accessToken, "string");
        assert.equal(typeof record.token.tokenType, "string");
        assert.ok(Number.isSafeInteger(record.version));
      } catch (error) {
        const problem = badError(error, [AuthFetchError], []);
        if (problem) throw new Error(problem);
        assert.equal((error as AuthFetchError).code, "store_error");
      }
    }),
    PARAMS,
  );
});

Deno.test("fuzz: FileStore.get() on any file content returns a token, nothing, or a store_error without its secrets", async () => {
  const directory = await Deno.makeTempDir();
  const store = new FileStore({ directory });
  const secret = canary("RT", 3);
  const content = fc.oneof(
    recordish.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.nat(60).map((cut) =>
      JSON.stringify({
        authfetch: 1,
        version: 1,
        token: { accessToken: secret, tokenType: "Bearer", refreshToken: secret },
      })
        .slice(0, cut)
    ),
    fc.uint8Array({ maxLength: 100 }).map((b) => new TextDecoder().decode(b)),
  );
  try {
    await fc.assert(
      fc.asyncProperty(content, async (text) => {
        await Deno.writeTextFile(await store.path("fuzz"), text, { mode: 0o600 });
        try {
          const token = await store.get("fuzz");
          if (token !== undefined) assert.equal(typeof token.accessToken, "string");
        } catch (error) {
          const problem = badError(error, [AuthFetchError], [secret]);
          if (problem) throw new Error(problem);
        }
      }),
      { ...PARAMS, numRuns: Math.min(PARAMS.numRuns ?? 200, 2000) },
    );
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
