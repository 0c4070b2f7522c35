import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const rel = (specifier: string) => specifier.replace(root.href, "");

/** What the client-credentials path loads only with `import()` (src/lazy.ts and what it reaches). */
const LAZY_MODULES = [
  "src/lazy.ts",
  "src/tokens/store_refresh.ts",
  "src/tokens/store_guard.ts",
  "src/tokens/lease_keeper.ts",
  "src/oauth/client_assertion.ts",
  "src/handlers/step_up.ts",
  "src/oauth/discovery_fetch.ts",
  "src/oauth/exchange_errors.ts",
  "src/redirect.ts",
  "src/handlers/dpop_send.ts",
  "src/handlers/retry_loop.ts",
  "src/read_stream.ts",
  "src/oauth/endpoint_retry.ts",
  "src/oauth/signed_exchange.ts",
  "src/oauth/discovered_endpoint.ts",
];

interface Edge {
  from: string;
  to: string;
  dynamic: boolean;
}

async function graphOf(entry: URL): Promise<{ edges: Edge[]; modules: string[] }> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry.pathname],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  const graph = JSON.parse(new TextDecoder().decode(stdout));
  const edges: Edge[] = [];
  for (const module of graph.modules) {
    for (const dependency of module.dependencies ?? []) {
      // type-only imports (`import type`) have no `code` entry: they are erased
      if (dependency.code?.specifier === undefined) continue;
      edges.push({
        from: module.specifier,
        to: dependency.code.specifier,
        dynamic: dependency.isDynamic === true,
      });
    }
  }
  return { edges, modules: graph.modules.map((m: { specifier: string }) => m.specifier) };
}

function staticClosure(entry: string, edges: Edge[]): Set<string> {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const from = queue.pop()!;
    for (const edge of edges) {
      if (edge.from === from && !edge.dynamic && !seen.has(edge.to)) {
        seen.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  return seen;
}

Deno.test("mod.ts reaches jose only through import(): src/jose_api.ts (loaded by src/lazy_jose.ts) and src/jose_errors.ts", async () => {
  const entry = new URL("mod.ts", root);
  const { edges } = await graphOf(entry);
  const toJose = edges.filter((e) => /^npm:\/?jose@/.test(e.to));
  assert.deepEqual(
    toJose.map((e) => [rel(e.from), e.dynamic]).sort(),
    [["src/jose_api.ts", false], ["src/jose_errors.ts", true]],
    "only src/jose_api.ts (by name) and src/jose_errors.ts (with import()) may import jose",
  );
  assert.deepEqual(
    edges.filter((e) => rel(e.to) === "src/jose_api.ts").map((e) => [rel(e.from), e.dynamic]),
    [["src/lazy_jose.ts", true]],
    "only src/lazy_jose.ts may import src/jose_api.ts, and only with import()",
  );
  const loaded = [...staticClosure(entry.href, edges)].map(rel);
  assert.ok(loaded.includes("src/grants/client_credentials.ts"), "the closure is the real graph");
  assert.deepEqual(loaded.filter((s) => s.includes("jose@")), []);
  // the signing code of JWT client assertions is loaded on first use too
  assert.ok(!loaded.includes("src/oauth/client_assertion.ts"));
});

Deno.test("the client-credentials entry never reaches jose's namespace (src/jose_errors.ts)", async () => {
  // A bundler builds jose's module namespace (its `errors` and `base64url` namespaces) with a helper
  // it puts in a chunk every entry point imports: the client-credentials path must only reach jose
  // by name, through src/jose_api.ts.
  const { modules } = await graphOf(new URL("src/client_credentials.ts", root));
  const reached = modules.map(rel);
  assert.ok(reached.includes("src/jose_api.ts"), "the graph reaches jose by name");
  assert.ok(!reached.includes("src/jose_errors.ts"), "src/jose_errors.ts is reached");
});

Deno.test("mod.ts reaches src/lazy.ts only through import(), and loads none of the modules behind it", async () => {
  // A bundler keeps in the initial load every module mod.ts imports statically that a lazy chunk
  // imports too: what src/lazy.ts gathers must stay out of mod.ts's static closure altogether.
  const entry = new URL("mod.ts", root);
  const { edges } = await graphOf(entry);
  const toLazy = edges.filter((e) => rel(e.to) === "src/lazy.ts");
  assert.ok(toLazy.length > 0, "src/lazy.ts is in the graph");
  assert.deepEqual(toLazy.filter((e) => !e.dynamic).map((e) => rel(e.from)), []);
  const loaded = new Set([...staticClosure(entry.href, edges)].map(rel));
  const behind = [...staticClosure(new URL("src/lazy.ts", root).href, edges)].map(rel)
    .filter((s) => !loaded.has(s));
  for (
    const lazy of LAZY_MODULES
  ) {
    assert.ok(behind.includes(lazy), `${lazy} is loaded statically by mod.ts`);
  }
});

Deno.test("the client-credentials modules load the store half, JWT assertions, step-up and JWT reading with import() only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const entry = new URL(`file://${dir}/cc_entry.ts`);
    const files = [
      "src/pipeline.ts",
      "src/handlers/auth.ts",
      "src/handlers/retry.ts",
      "src/tokens/source.ts",
      "src/grants/client_credentials.ts",
    ];
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import ${JSON.stringify(new URL(f, root).href)};\n`).join(""),
    );
    const { edges, modules } = await graphOf(entry);
    const loaded = [...staticClosure(entry.href, edges)].map(rel);
    for (const f of files) assert.ok(loaded.includes(f), `${f} is in the closure`);
    for (
      // reading a JWT access token's exp loads with a token response that states no lifetime
      const lazy of [
        ...LAZY_MODULES,
        "src/lazy_jose.ts",
        "src/jose_api.ts",
        "src/tokens/jwt_times.ts",
        "src/jwt_claims.ts",
      ]
    ) {
      assert.ok(modules.map(rel).includes(lazy), `${lazy} is in the graph (behind import())`);
      assert.ok(!loaded.includes(lazy), `${lazy} is loaded before it is needed`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// A token endpoint and API on Python's wsgiref (a peer this library did not write). The access token
// is a JWT without expires_in, so its expiry has to come from decoding its exp claim.
const PYTHON_SERVER = `
import base64, json
from wsgiref.simple_server import make_server, WSGIRequestHandler

def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

TOKEN = b64({"alg": "none", "typ": "JWT"}) + "." + b64({"sub": "svc", "exp": 4102444800}) + ".sig"
BASIC = "Basic " + base64.b64encode(b"svc:s3cret").decode()

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

def app(environ, start):
    path = environ["PATH_INFO"]
    if path == "/token" and environ["REQUEST_METHOD"] == "POST":
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
        if environ.get("HTTP_AUTHORIZATION") != BASIC or body != "grant_type=client_credentials":
            start("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error":"invalid_client"}']
        start("200 OK", [("Content-Type", "application/json"), ("Cache-Control", "no-store")])
        return [json.dumps({"access_token": TOKEN, "token_type": "Bearer"}).encode()]
    if path == "/api" and environ.get("HTTP_AUTHORIZATION") == "Bearer " + TOKEN:
        start("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok":true}']
    start("401 Unauthorized", [("WWW-Authenticate", "Bearer")])
    return [b""]

server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
`;

/** Runs `use` with the wsgiref server of {@linkcode PYTHON_SERVER} at its origin, then stops it. */
async function withPythonServer(use: (origin: string) => Promise<void>): Promise<void> {
  const python = new Deno.Command("/usr/bin/python3", {
    args: ["-c", PYTHON_SERVER],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const line = await python.stdout.pipeThrough(new TextDecoderStream()).getReader().read();
    await use(`http://127.0.0.1:${Number(line.value)}`);
  } finally {
    python.kill();
    await python.status;
    await python.stdout.cancel().catch(() => {});
  }
}

for (const entry of ["mod.ts", "dist/mod.js"]) {
  Deno.test(`a client-credentials call through ${entry} never evaluates jose; signing a state does`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await withPythonServer(async (origin) => {
        // jose is mapped to a probe that records its evaluation, then re-exports the real jose
        await Deno.writeTextFile(
          `${dir}/jose_probe.ts`,
          '(globalThis as Record<string, unknown>).joseEvaluated = true;\nexport * from "npm:jose@^6.2.2";\n',
        );
        await Deno.writeTextFile(
          `${dir}/deno.json`,
          JSON.stringify({ imports: { jose: "./jose_probe.ts" } }),
        );
        await Deno.writeTextFile(
          `${dir}/main.ts`,
          `import { auth, clientCredentials, createFetch, signState, tokenSource } from ${
            JSON.stringify(new URL(entry, root).href)
          };
const evaluated = () => (globalThis as Record<string, unknown>).joseEvaluated === true;
const tokens = tokenSource(clientCredentials({ tokenUrl: "${origin}/token", clientId: "svc", clientSecret: "s3cret" }));
const api = createFetch([auth(tokens)]);
const response = await api("${origin}/api");
const body = await response.text();
const token = await tokens.getToken();
const afterCall = evaluated();
await signState({ key: "k".repeat(32), clientId: "web", issuer: "https://as.example" });
console.log(JSON.stringify({ status: response.status, body, expiresAt: token.expiresAt, afterCall, afterSigning: evaluated() }));
`,
        );
        const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--no-lock",
            "--allow-net=127.0.0.1",
            "--config",
            `${dir}/deno.json`,
            `${dir}/main.ts`,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.ok(success, new TextDecoder().decode(stderr));
        const result = JSON.parse(new TextDecoder().decode(stdout));
        assert.equal(result.status, 200);
        assert.equal(result.body, '{"ok":true}');
        assert.equal(
          result.expiresAt,
          4102444800_000,
          "expiry read from the JWT exp, without jose",
        );
        assert.equal(result.afterCall, false, "jose was evaluated on the client-credentials path");
        assert.equal(result.afterSigning, true, "the probe works: signing a state loads jose");
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("the client-credentials entry makes the call, and its failures are the main entry's error classes", async () => {
  await withPythonServer(async (origin) => {
    const lean = await import(new URL("dist/src/client_credentials.js", root).href);
    const main = await import(new URL("dist/mod.js", root).href);
    const api = (secret: string) =>
      lean.createFetch([
        lean.retry(),
        lean.auth(lean.tokenSource(lean.clientCredentials({
          tokenUrl: `${origin}/token`,
          clientId: "svc",
          clientSecret: secret,
        }))),
      ]);
    const response = await api("s3cret")(`${origin}/api`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), '{"ok":true}');
    // wsgiref answers a wrong secret with invalid_client: the error is built by the lazy chunk
    const error = await api("wrong-secret-9f3a")(`${origin}/api`).then(
      () => assert.fail("a rejected client got an answer"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof main.OAuthError, `got ${error}`);
    assert.ok(error instanceof main.AuthFetchError);
    assert.equal(error.error, "invalid_client");
    assert.equal(error.status, 401);
    assert.doesNotMatch(`${error.message} ${JSON.stringify(error)}`, /wrong-secret-9f3a/);
  });
});
