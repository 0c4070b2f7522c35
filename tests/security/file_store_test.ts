import assert from "node:assert/strict";
import { AuthFetchError } from "../../mod.ts";
import { FileStore } from "../../src/stores/file.ts";

const TOKEN = {
  accessToken: "at-file-canary-93f1",
  tokenType: "Bearer",
  refreshToken: "rt-file-canary-27c4",
};

Deno.test({
  name:
    "file store: token files are 0600 in a 0700 directory, written atomically, symlinks refused",
  ignore: Deno.build.os === "windows",
  async fn() {
    const root = await Deno.makeTempDir();
    try {
      const directory = `${root}/tokens`;
      const store = new FileStore({ directory });
      await store.set("k", TOKEN);
      const path = await store.path("k");
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(directory)).mode! & 0o777, 0o700);

      // atomic: many concurrent writers, readers never see a partial file, no temp files are left
      const reads: Promise<unknown>[] = [];
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 50; i++) {
        writes.push(store.set("k", { ...TOKEN, accessToken: `at-${i}-${"x".repeat(5000)}` }));
        reads.push(store.get("k").then((t) => assert.ok(t?.accessToken.startsWith("at-"))));
      }
      await Promise.all([...writes, ...reads]);
      const names = [...Deno.readDirSync(directory)].map((e) => e.name);
      assert.deepEqual(names.filter((n) => !n.startsWith("k-")), []);
      assert.equal(names.length, 1, names.join(", "));

      // a symbolic link in place of the token file is refused for reading and writing
      const target = `${root}/elsewhere.json`;
      await Deno.writeTextFile(target, "{}");
      const linked = await store.path("linked");
      await Deno.symlink(target, linked);
      for (const op of [() => store.get("linked"), () => store.set("linked", TOKEN)]) {
        await assert.rejects(op(), (e: Error) => {
          assert.ok(
            e instanceof AuthFetchError && e.code === "store_error",
            `${e.name}: ${e.message}`,
          );
          assert.ok(!e.message.includes(TOKEN.accessToken));
          return true;
        });
      }
      assert.equal(await Deno.readTextFile(target), "{}", "the link target was not written");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
