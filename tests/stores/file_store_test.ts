import assert from "node:assert/strict";
import { AuthFetchError } from "../../mod.ts";
import { FileStore } from "../../src/stores/file.ts";
import { storeContract } from "./_contract.ts";

/** A FileStore in a fresh temporary directory, removed by `close()` or at the end of an `await using`. */
async function tempStore(): Promise<
  { store: FileStore; close(): Promise<void> } & AsyncDisposable
> {
  const directory = await Deno.makeTempDir({ prefix: "authfetch-file-" });
  const close = () => Deno.remove(directory, { recursive: true });
  return {
    store: new FileStore({ directory: `${directory}/tokens` }),
    close,
    [Symbol.asyncDispose]: close,
  };
}

storeContract("FileStore", tempStore);

const posix = Deno.build.os !== "windows";

Deno.test("FileStore writes a versioned record, mode 0600 in a 0700 directory", async () => {
  await using temp = await tempStore();
  const { store } = temp;
  await store.set("https://auth.example.com client/a b", {
    accessToken: "a",
    tokenType: "Bearer",
  });
  await store.set("https://auth.example.com client/a b", {
    accessToken: "b",
    tokenType: "Bearer",
  });
  const path = await store.path("https://auth.example.com client/a b");
  assert.match(path, /tokens\/https_auth.example.com_client_a_b-[0-9a-f]{16}\.json$/);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
    authfetch: 1,
    version: 2,
    token: { accessToken: "b", tokenType: "Bearer" },
  });
  if (posix) {
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(store.directory)).mode! & 0o777, 0o700);
  }
  assert.deepEqual([...Deno.readDirSync(store.directory)].map((e) => e.name), [
    path.split("/").pop(),
  ]);
});

Deno.test("FileStore concurrent writers never leave a torn file", async () => {
  await using temp = await tempStore();
  const { store } = temp;
  const writers = Array.from({ length: 8 }, () => new FileStore({ directory: store.directory }));
  const big = "x".repeat(64 * 1024);
  let done = false;
  let reads = 0;
  const reader = (async () => {
    while (!done) {
      const token = await store.get("k");
      if (token !== undefined) {
        assert.equal(token.raw?.pad, big);
        reads++;
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  })();
  await Promise.all(
    writers.map((writer, i) =>
      Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          writer.set("k", { accessToken: `${i}-${j}`, tokenType: "Bearer", raw: { pad: big } })),
      )
    ),
  );
  done = true;
  await reader;
  assert.ok(reads > 0);
  assert.equal((await store.get("k"))?.raw?.pad, big);
  const leftovers = [...Deno.readDirSync(store.directory)].filter((e) => !e.name.endsWith(".json"));
  assert.deepEqual(leftovers, [], "no temporary file left behind");
});

Deno.test("FileStore moves a corrupt or foreign file aside as <name>.corrupt-<timestamp> and reads it as missing", async () => {
  await using temp = await tempStore();
  const { store } = temp;
  await store.set("k", { accessToken: "a", tokenType: "Bearer" });
  const path = await store.path("k");
  await Deno.writeTextFile(path, '{"authfetch": 1, "version": 3, "tok');
  assert.equal(await store.get("k"), undefined);
  await Deno.writeTextFile(path, JSON.stringify({ other: "tool" }));
  assert.equal(await store.get("k"), undefined);
  // A lease on a corrupt file works too, and its write starts afresh.
  await Deno.writeTextFile(path, "not json");
  const lease = await store.acquire("k", 10_000);
  assert.equal(await lease!.set({ accessToken: "b", tokenType: "Bearer" }), true);
  await lease!.release();
  assert.equal((await store.get("k"))?.accessToken, "b");
  const copies = [...Deno.readDirSync(store.directory)].filter((e) => e.name.includes(".corrupt-"))
    .map((e) => Deno.readTextFileSync(`${store.directory}/${e.name}`)).sort();
  assert.deepEqual(
    copies,
    [
      '{"authfetch": 1, "version": 3, "tok',
      JSON.stringify({ other: "tool" }),
      "not json",
    ].sort(),
  );
  const name = path.split("/").pop()!;
  for (const entry of Deno.readDirSync(store.directory)) {
    if (entry.name.includes(".corrupt-")) {
      assert.match(
        entry.name,
        new RegExp(`^${name.replace(".", "\\.")}\\.corrupt-\\d+-[0-9a-f]{8}$`),
      );
    }
  }
});

Deno.test("FileStore creates its directory again when it is removed while in use", async () => {
  await using temp = await tempStore();
  const { store } = temp;
  await store.set("k", { accessToken: "a", tokenType: "Bearer" });
  await Deno.remove(store.directory, { recursive: true });
  assert.equal(await store.get("k"), undefined);
  const lease = await store.acquire("k", 10_000);
  assert.ok(lease);
  await Deno.remove(store.directory, { recursive: true });
  assert.equal(await lease.renew!(10_000), true, "the lock is taken again");
  assert.equal(await lease.set({ accessToken: "b", tokenType: "Bearer" }), true);
  await lease.release();
  assert.equal((await store.get("k"))?.accessToken, "b");
  await Deno.remove(store.directory, { recursive: true });
  await store.set("k", { accessToken: "c", tokenType: "Bearer" });
  assert.equal((await store.get("k"))?.accessToken, "c");
});

Deno.test({
  name: "FileStore write errors are store_errors naming the path",
  ignore: !posix,
  async fn() {
    await using temp = await tempStore();
    const { store } = temp;
    await store.set("k", { accessToken: "a", tokenType: "Bearer" });
    const path = await store.path("k");
    // A regular file where the directory should be: every write fails the same clear way.
    const blocked = new FileStore({ directory: `${path}/sub` });
    await assert.rejects(
      () => blocked.set("k", { accessToken: "b", tokenType: "Bearer" }),
      (e) => {
        assert.ok(e instanceof AuthFetchError);
        assert.equal(e.code, "store_error");
        assert.ok(e.message.includes(`${path}/sub`), e.message);
        return true;
      },
    );
  },
});

Deno.test({
  name: "FileStore refuses a symbolic link in place of a token file",
  ignore: !posix,
  async fn() {
    await using temp = await tempStore();
    const { store } = temp;
    await store.set("k", { accessToken: "a", tokenType: "Bearer" });
    const path = await store.path("k");
    const elsewhere = `${store.directory}/elsewhere`;
    await Deno.rename(path, elsewhere);
    await Deno.symlink(elsewhere, path);
    await assert.rejects(() => store.get("k"), /symbolic link/);
    await assert.rejects(
      () => store.set("k", { accessToken: "b", tokenType: "Bearer" }),
      /symbolic link/,
    );
    assert.equal(JSON.parse(await Deno.readTextFile(elsewhere)).token.accessToken, "a");
  },
});

Deno.test("FileStore takes over a lock file left by a crashed process once it expired", async () => {
  await using temp = await tempStore();
  const { store } = temp;
  const lease = await store.acquire("k", 10_000);
  assert.ok(lease);
  const lock = `${await store.path("k")}.lock`;
  // A crashed holder: its lock stays, with an expiry in the past.
  await Deno.writeTextFile(lock, JSON.stringify({ id: "dead", until: Date.now() - 1, pid: 1 }));
  const next = await store.acquire("k", 10_000);
  assert.ok(next);
  assert.equal(await lease.set({ accessToken: "old", tokenType: "Bearer" }), false);
  assert.equal(await next.set({ accessToken: "new", tokenType: "Bearer" }), true);
  await next.release();
  await assert.rejects(() => Deno.stat(lock), Deno.errors.NotFound);
});
