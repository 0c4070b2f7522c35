import assert from "node:assert/strict";
import fc from "npm:fast-check@^4.3.0";
import { AuthFetchError, discover } from "../../mod.ts";
import { badError, PARAMS } from "./_fuzz.ts";

const KEYS = [
  "issuer",
  "token_endpoint",
  "authorization_endpoint",
  "device_authorization_endpoint",
  "revocation_endpoint",
  "introspection_endpoint",
  "jwks_uri",
  "userinfo_endpoint",
  "scopes_supported",
  "toString",
  "valueOf",
  "__proto__",
  "constructor",
];

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.webUrl(),
  fc.constant("ISSUER"),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom("toString", "valueOf", "a"), fc.jsonValue({ maxDepth: 1 }), {
    maxKeys: 2,
  }),
);

/** One answer of the stub fetch: a status, and a body that is a document, garbage or a failure. */
const answer = fc.oneof(
  fc.record({
    status: fc.constantFrom(200, 200, 200, 404, 500, 301),
    body: fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 8 }).map((d) =>
      JSON.stringify(d)
    ),
  }),
  fc.record({
    status: fc.constantFrom(200, 404),
    body: fc.oneof(fc.string(), fc.constantFrom("null", "[]", "1", '"x"', "<html>x</html>")),
  }),
  fc.constant({ status: 0, body: "" }), // network failure
);

let serial = 0;

Deno.test("fuzz: discover() returns matching metadata or a documented error", async () => {
  await fc.assert(
    fc.asyncProperty(fc.tuple(answer, answer), async (answers) => {
      const issuer = `https://issuer${++serial}.example.com/tenant`;
      let call = 0;
      const fetch = (): Promise<Response> => {
        const a = answers[call++ % 2];
        if (a.status === 0) return Promise.reject(new TypeError("connection refused"));
        return Promise.resolve(
          new Response(a.body.replaceAll('"ISSUER"', JSON.stringify(issuer)), {
            status: a.status,
            headers: { "content-type": "application/json" },
          }),
        );
      };
      let metadata;
      try {
        metadata = await discover(issuer, { fetch, reload: true });
      } catch (error) {
        const problem = badError(error, [AuthFetchError], []);
        if (problem) throw new Error(problem);
        return;
      }
      assert.equal(metadata.issuer, issuer);
      for (const [k, v] of Object.entries(metadata)) {
        if (k.endsWith("_endpoint") || k === "jwks_uri") assert.equal(typeof v, "string", k);
      }
    }),
    PARAMS,
  );
});

Deno.test("discover() refuses an issuer object that cannot be turned into a string with discovery_error", async () => {
  const fetch = () =>
    Promise.resolve(Response.json({ issuer: { toString: 1, valueOf: 1 }, token_endpoint: "x" }));
  const error = await discover("https://odd-issuer.example.com", { fetch, reload: true }).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(error instanceof AuthFetchError, String(error));
  assert.equal(error.code, "discovery_error");
});
