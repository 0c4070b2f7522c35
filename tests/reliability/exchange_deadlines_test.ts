import assert from "node:assert/strict";
import {
  deviceCode,
  discover,
  discoverResource,
  introspect,
  jsonLogin,
  registerClient,
  revoke,
  TimeoutError,
  tokenSource,
} from "../../mod.ts";
import {
  ConnReader,
  listenRaw,
  type RawListener,
  readHttpRequest,
  writeAll,
} from "../peers/raw_socket.ts";

/** A raw peer that answers every request with headers and the start of a JSON body, then falls silent. */
function stallingPeer(): RawListener {
  return listenRaw(async (conn) => {
    const reader = new ConnReader(conn);
    await readHttpRequest(reader);
    await writeAll(
      conn,
      new TextEncoder().encode(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a',
      ),
    );
    await reader.drain(); // until the client gives up
  });
}

Deno.test("every exchange the library makes itself ends at its deadline when the answer stalls mid-body", async () => {
  const peer = stallingPeer();
  const url = `${peer.origin}/endpoint`;
  const common = { clientId: "c", clientSecret: "s", timeout: 50 };
  try {
    const exchanges: Record<string, () => Promise<unknown>> = {
      "token request": () =>
        tokenSource(
          deviceCode({ ...common, tokenUrl: url, deviceAuthorizationUrl: url, onPrompt() {} }),
        )
          .getToken(),
      "discovery": () => discover(`${peer.origin}/issuer`, { timeout: 50 }),
      "revocation": () => revoke({ ...common, revocationUrl: url, token: "t" }),
      "introspection": () => introspect({ ...common, introspectionUrl: url, token: "t" }),
      "JSON login": () =>
        jsonLogin({ loginUrl: url, credentials: { username: "u", password: "p" }, timeout: 50 })
          .token(),
      "protected resource metadata": () => discoverResource(url, { timeout: 50 }),
      "client registration": () =>
        registerClient(url, { client_name: "c", redirect_uris: [] }, { timeout: 50 }),
    };
    for (const [name, run] of Object.entries(exchanges)) {
      await assert.rejects(run, TimeoutError, name);
    }
  } finally {
    await peer.close();
  }
});

Deno.test("the caller's signal aborts an exchange while its body is read", async () => {
  const peer = stallingPeer();
  try {
    const controller = new AbortController();
    const pending = jsonLogin({
      loginUrl: `${peer.origin}/login`,
      credentials: { username: "u", password: "p" },
    }).token({ signal: controller.signal });
    const registering = registerClient(`${peer.origin}/register`, { client_name: "c" }, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, { name: "AbortError" });
    await assert.rejects(registering, { name: "AbortError" });
  } finally {
    await peer.close();
  }
});
