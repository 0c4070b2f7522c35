// One "process" of the shared-store test: signs in to the stub through a FileStore shared with others.
import { auth, createFetch, protectedResource } from "../../mod.ts";
import { FileStore } from "../../src/stores/file.ts";
import { approve } from "../peers/mcp_auth_stub.ts";

const [resource, dir] = Deno.args;
const tokens = protectedResource(resource, {
  login: { kind: "browser", redirectUri: "http://127.0.0.1:9/callback", authorize: approve },
  store: new FileStore({ directory: dir }),
});
const response = await createFetch([auth(tokens)])(resource);
await response.body?.cancel();
console.log(response.status);
