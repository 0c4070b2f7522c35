/**
 * `authfetch fetch` against curl's meanings, as a subprocess against a raw HTTP server that records the
 * exact request bytes. Every row of the curl flag table in docs/cli.md has a case here (checked below),
 * and every usage error exits 2 with one line.
 */

import assert from "node:assert/strict";
import { cli, cliHome, type CliResult } from "./_cli.ts";
import { type RawAnswer, type RawRequest, startRawServer } from "./_raw_http.ts";

const TOKEN = "at-planted-0123456789abcdef";

function route(request: RawRequest): RawAnswer {
  const path = new URL(request.target, "http://x").pathname;
  switch (path) {
    case "/missing":
      return { status: 404, reason: "Not Found", body: "not here" };
    case "/r1":
      return { status: 302, reason: "Found", headers: { location: "/r2" } };
    case "/r2":
      return { status: 302, reason: "Found", headers: { location: "/final" } };
    case "/final":
      return { body: "final", headers: { "content-type": "text/plain" } };
    case "/stall":
      return { stall: true };
    case "/to-denied":
      return { status: 307, reason: "Temporary Redirect", headers: { location: "/denied" } };
    case "/denied":
      return { status: 401, reason: "Unauthorized", body: "no" };
    default:
      return {
        body: "ok",
        headers: {
          "x-test": "yes",
          "content-type": "text/plain",
          "set-cookie": "sid=secret-cookie-value",
        },
      };
  }
}

type Case = (run: (args: string[], stdin?: string) => Promise<CliResult>, ctx: {
  origin: string;
  last: () => RawRequest;
  count: () => number;
  dir: string;
}) => Promise<void>;

function one(r: CliResult, code: number): void {
  assert.equal(r.code, code, `exit ${r.code}, stderr: ${r.stderr}`);
}

/** One case per row of docs/cli.md's curl table, keyed by the table's first column. */
const CASES: Record<string, Case> = {
  "-d 'a=b'": async (run, { origin, last }) => {
    one(await run([`${origin}/echo`, "-d", "a=b"]), 0);
    assert.equal(last().method, "POST");
    assert.equal(last().header("content-type"), "application/x-www-form-urlencoded");
    assert.equal(last().text(), "a=b");
  },
  "-d a -d b": async (run, { origin, last }) => {
    one(await run([`${origin}/echo`, "-d", "a=1", "--data", "b=2"]), 0);
    assert.equal(last().text(), "a=1&b=2");
  },
  "-d @file": async (run, { origin, last, dir }) => {
    await Deno.writeTextFile(`${dir}/form.txt`, "a=1\r\n&b=2\n");
    one(await run([`${origin}/echo`, "-d", `@${dir}/form.txt`]), 0);
    assert.equal(last().text(), "a=1&b=2", "carriage returns and newlines are dropped");
    assert.equal(last().header("content-type"), "application/x-www-form-urlencoded");
  },
  "-d @-": async (run, { origin, last }) => {
    one(await run([`${origin}/echo`, "-d", "@-"], "from=stdin\n"), 0);
    assert.equal(last().text(), "from=stdin");
  },
  "--data-binary @file": async (run, { origin, last, dir }) => {
    await Deno.writeFile(`${dir}/blob.bin`, new Uint8Array([0, 10, 13, 255]));
    one(await run([`${origin}/echo`, "--data-binary", `@${dir}/blob.bin`]), 0);
    assert.deepEqual([...last().body], [0, 10, 13, 255]);
    assert.equal(last().header("content-type"), "application/x-www-form-urlencoded");
  },
  "--data-raw": async (run, { origin, last }) => {
    one(await run([`${origin}/echo`, "--data-raw", "@not-a-file"]), 0);
    assert.equal(last().text(), "@not-a-file");
  },
  "--data-urlencode": async (run, { origin, last }) => {
    one(
      await run([`${origin}/echo`, "--data-urlencode", "q=a b&c", "--data-urlencode", "=x/y"]),
      0,
    );
    assert.equal(last().text(), "q=a%20b%26c&x%2Fy");
  },
  "--json": async (run, { origin, last }) => {
    one(await run([`${origin}/echo`, "--json", '{"a":1}']), 0);
    assert.equal(last().method, "POST");
    assert.equal(last().header("content-type"), "application/json");
    assert.equal(last().header("accept"), "application/json");
    assert.equal(last().text(), '{"a":1}');
  },
  "-H": async (run, { origin, last }) => {
    one(
      await run([`${origin}/echo`, "-H", "content-type: text/plain", "-H", "x-one: 1", "-d", "x"]),
      0,
    );
    assert.equal(last().header("content-type"), "text/plain", "-H wins over -d's default");
    assert.equal(last().header("x-one"), "1");
  },
  "-X": async (run, { origin, last }) => {
    one(await run([`${origin}/echo`, "-X", "put", "-d", "x"]), 0);
    assert.equal(last().method, "PUT");
  },
  "-G": async (run, { origin, last }) => {
    one(await run([`${origin}/echo?a=1`, "-G", "-d", "q=2"]), 0);
    assert.equal(last().method, "GET");
    assert.equal(last().target, "/echo?a=1&q=2");
    assert.equal(last().body.length, 0);
  },
  "-I": async (run, { origin, last }) => {
    const r = await run([`${origin}/echo`, "-I"]);
    one(r, 0);
    assert.equal(last().method, "HEAD");
    assert.match(r.stdout, /^HTTP 200 OK\r\n/);
    assert.match(r.stdout, /x-test: yes\r\n/);
  },
  "-i": async (run, { origin }) => {
    const r = await run([`${origin}/echo`, "-i"]);
    one(r, 0);
    assert.match(r.stdout, /^HTTP 200 OK\r\n(.*\r\n)*x-test: yes\r\n(.*\r\n)*\r\nok$/);
    assert.match(r.stdout, /set-cookie: <redacted>\r\n/);
  },
  "-o": async (run, { origin, dir }) => {
    const r = await run([`${origin}/echo`, "-o", `${dir}/out.txt`]);
    one(r, 0);
    assert.equal(r.stdout, "");
    assert.equal(await Deno.readTextFile(`${dir}/out.txt`), "ok");
    // A failed request (-f) leaves an existing file as it was and creates no new one.
    one(await run([`${origin}/missing`, "-sf", "-o", `${dir}/out.txt`]), 22);
    assert.equal(await Deno.readTextFile(`${dir}/out.txt`), "ok");
    one(await run([`${origin}/missing`, "-sf", "-o", `${dir}/new.txt`]), 22);
    assert.equal(await Deno.lstat(`${dir}/new.txt`).then(() => "exists", () => "absent"), "absent");
  },
  "-s": async (run, { origin }) => {
    const r = await run([`${origin}/missing`, "-s"]);
    one(r, 22);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "not here");
    const shown = await run([`${origin}/missing`, "-sS"]);
    one(shown, 22);
    assert.match(
      shown.stderr,
      /^authfetch: error: GET http:\/\/127\.0\.0\.1:\d+\/missing answered HTTP 404 Not Found\n$/,
    );
  },
  "-f": async (run, { origin }) => {
    const r = await run([`${origin}/missing`, "-f"]);
    one(r, 22);
    assert.equal(r.stdout, "", "no body");
    assert.match(r.stderr, /answered HTTP 404 Not Found\n$/);
  },
  "--fail-with-body": async (run, { origin }) => {
    const r = await run([`${origin}/missing`, "--fail-with-body"]);
    one(r, 22);
    assert.equal(r.stdout, "not here");
  },
  "(HTTP error without -f)": async (run, { origin }) => {
    const r = await run([`${origin}/missing`]);
    one(r, 22);
    assert.equal(r.stdout, "not here");
    assert.equal(r.stderr.trimEnd().split("\n").length, 1);
  },
  "-L": async (run, { origin, count }) => {
    const before = count();
    const r = await run([`${origin}/r1`, "-L"]);
    one(r, 0);
    assert.equal(r.stdout, "final");
    assert.equal(count() - before, 3);
  },
  "(redirect without -L)": async (run, { origin }) => {
    const r = await run([`${origin}/r1`]);
    one(r, 0);
    assert.equal(r.stdout, "final", "followed without -L, unlike curl");
  },
  "--max-redirs": async (run, { origin }) => {
    const r = await run([`${origin}/r1`, "--max-redirs", "1"]);
    one(r, 47);
    assert.match(r.stderr, /Too many redirects \(more than 1\)/);
  },
  "-w": async (run, { origin }) => {
    const r = await run([
      `${origin}/r1`,
      "-w",
      "\\n%{http_code} %{url_effective} %{num_redirects} %{content_type} %{size_download} %{method} %header{x-none}|%{exitcode}\\n",
    ]);
    one(r, 0);
    assert.equal(r.stdout, `final\n200 ${origin}/final 2 text/plain 5 GET |0\n`);
    const failed = await run([`${origin}/missing`, "-sf", "-w", "%{http_code}"]);
    one(failed, 22);
    assert.equal(failed.stdout, "404", "-w prints even when -f fails");
  },
  "-v": async (run, { origin }) => {
    const r = await run([`${origin}/echo`, "-v"]);
    one(r, 0);
    assert.match(r.stderr, /^> GET http:\/\/127\.0\.0\.1:\d+\/echo$/m);
    assert.match(r.stderr, /^> authorization: Bearer <redacted>$/m);
    assert.match(r.stderr, /^< HTTP 200 OK \(\d+ ms\)$/m);
    assert.match(r.stderr, /^< x-test: yes$/m, "response headers are shown");
    assert.match(r.stderr, /^< set-cookie: <redacted>$/m);
  },
  "-m": async (run, { origin }) => {
    const r = await run([`${origin}/stall`, "-m", "0.3", "--retries", "0"]);
    one(r, 28);
    assert.match(r.stderr, /^authfetch: timed out: --max-time 0\.3 s elapsed\n$/);
  },
  "--retry": async (run, { origin, count }) => {
    const before = count();
    one(await run([`${origin}/echo`, "--retry", "0"]), 0);
    assert.equal(count() - before, 1);
  },
};

Deno.test("authfetch fetch takes curl's flags with curl's meanings (each row of docs/cli.md's table)", async (t) => {
  await using home = await cliHome();
  const server = startRawServer(route);
  const dir = await Deno.makeTempDir({ prefix: "authfetch-curl-" });
  const env = { ...home.env, AUTHFETCH_ACCESS_TOKEN: TOKEN };
  const run = (args: string[], stdin?: string) =>
    cli(["fetch", ...args, "--grant", "existing_token"], env, stdin);
  try {
    for (const [flag, test] of Object.entries(CASES)) {
      await t.step(flag, () =>
        test(run, {
          origin: server.origin,
          last: () => server.requests.at(-1)!,
          count: () => server.requests.length,
          dir,
        }));
    }
    // The token went to the server on every request, and never to the output.
    for (const request of server.requests) {
      assert.equal(request.header("authorization"), `Bearer ${TOKEN}`);
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }

  const doc = await Deno.readTextFile(new URL("../../docs/cli.md", import.meta.url));
  const section = doc.slice(
    doc.indexOf("### curl flags"),
    doc.indexOf("\n### ", doc.indexOf("### curl flags") + 5),
  );
  const rows = [...section.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]).concat(
    [...section.matchAll(/^\| \((.+?)\) /gm)].map((m) => `(${m[1]})`),
  );
  assert.deepEqual(
    rows.sort(),
    Object.keys(CASES).sort(),
    "docs/cli.md's curl table and the cases agree",
  );
});

Deno.test("authfetch fetch names the URL that answered when a 401 comes after a redirect", async () => {
  await using home = await cliHome();
  const server = startRawServer(route);
  try {
    const r = await cli(["fetch", `${server.origin}/to-denied`, "--grant", "existing_token"], {
      ...home.env,
      AUTHFETCH_ACCESS_TOKEN: TOKEN,
    });
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /^authfetch: authentication failed: GET http:\/\/127\.0\.0\.1:\d+\/denied answered HTTP 401 Unauthorized\n$/,
    );
  } finally {
    await server.close();
  }
});

Deno.test("authfetch fetch exit codes tell a network failure (7), an unknown host (6) and an HTTP error (22) apart", async () => {
  await using home = await cliHome();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`;
  listener.close();
  const env = { ...home.env, AUTHFETCH_ACCESS_TOKEN: TOKEN };
  const refused = await cli(["fetch", closed, "--grant", "existing_token", "--retries", "0"], env);
  assert.equal(refused.code, 7, refused.stderr);
  assert.match(refused.stderr, /^authfetch: network error: .*\n$/);
  // .invalid never resolves (RFC 6761); the resolver answers at once, no network needed.
  const unknown = await cli(
    ["fetch", "https://no-such-host.invalid/", "--grant", "existing_token", "--retries", "0"],
    env,
  );
  assert.equal(unknown.code, 6, unknown.stderr);
  assert.match(unknown.stderr, /^authfetch: network error: .*\n$/);
  assert.ok(!refused.stderr.includes(TOKEN) && !unknown.stderr.includes(TOKEN));
});

Deno.test("authfetch fetch usage errors exit 2 with one line", async () => {
  await using home = await cliHome();
  const env = { ...home.env, AUTHFETCH_ACCESS_TOKEN: TOKEN };
  const url = "http://127.0.0.1:9/";
  const cases: [string[], RegExp][] = [
    [[], /^fetch needs a URL \(see authfetch fetch --help\)$/],
    [["not a url"], /^"not a url" is not an absolute URL$/],
    [[url, "--json", "{}", "-d", "a=b"], /^Give --json or -d\/--data…, not both/],
    [[url, "-I", "-d", "a=b"], /^-I\/--head sends no body/],
    [[url, "-X", "GET", "-d", "a=b"], /^A GET request cannot carry -d data here; use -G/],
    [[url, "-w", "%{nope}"], /^-w: unknown variable %\{nope\}; known: %\{http_code\}/],
    [[url, "--max-redirs=-1"], /^--max-redirs must be a whole number ≥ 0, not "-1"$/],
    [[url, "--retry", "1", "--retries", "1"], /^Give --retry or --retries, not both/],
    [[url, "--retries=-1"], /^--retries must be a whole number ≥ 0/],
    [[url, "-m", "soon"], /^--max-time must be a positive number of seconds, not "soon"$/],
    [
      [url, "-o", "/nonexistent-dir/x/out"],
      /^Cannot write --output file \/nonexistent-dir\/x\/out/,
    ],
    [[url, "-d", "@/nonexistent-dir/file"], /^Cannot read --data file \/nonexistent-dir\/file/],
    [[url, "-H", "no colon"], /^--header must look like "Name: value"/],
    [[url, "--frobnicate"], /^Unknown option '--frobnicate' \(see authfetch fetch --help\)$/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(["fetch", ...args, "--grant", "existing_token"], env);
    assert.equal(r.code, 2, `${args.join(" ")} → ${r.code} ${r.stderr}`);
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0].replace(/^authfetch: usage error: /, ""), message);
  }
  // -s does not hide usage errors.
  const silent = await cli(["fetch", url, "-s", "-w", "%{nope}", "--grant", "existing_token"], env);
  assert.equal(silent.code, 2);
  assert.match(silent.stderr, /unknown variable/);
});
