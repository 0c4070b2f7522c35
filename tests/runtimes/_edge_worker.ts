/**
 * Runs in a Worker with net access to 127.0.0.1 only (tests/runtimes/edge_test.ts): one request through
 * `createFetch([retry(), auth(tokenSource(clientCredentials(...)))])`, as on Deno Deploy or an edge
 * runtime, and reports what it got and which permissions it had.
 */
// The package as users import it: its entry runs the built dist/mod.js.
import { auth, clientCredentials, createFetch, retry, tokenSource } from "@authfetch/authfetch";

declare const self: {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

self.onmessage = async (event: MessageEvent) => {
  const { tokenUrl, apiUrl } = event.data as { tokenUrl: string; apiUrl: string };
  try {
    const tokens = tokenSource(
      clientCredentials({ tokenUrl, clientId: "client", clientSecret: "secret" }),
    );
    const api = createFetch([retry(), auth(tokens)]);
    const response = await api(apiUrl);
    const permissions = Object.fromEntries(
      (["read", "write", "env", "run", "ffi", "sys"] as const).map((
        name,
      ) => [name, Deno.permissions.querySync({ name }).state]),
    );
    self.postMessage({ status: response.status, body: await response.json(), permissions });
  } catch (error) {
    self.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
};
