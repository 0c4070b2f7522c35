/**
 * The MCP conformance suite's client for authfetch: the MCP SDK's Streamable HTTP client transport, given
 * authfetch's fetch (`createFetch([auth(protectedResource(url, …))])`). The suite runs it as
 * `deno run -A tests/conformance/client.ts <server-url>` with `MCP_CONFORMANCE_SCENARIO` and, for some
 * scenarios, `MCP_CONFORMANCE_CONTEXT` (pre-registered client credentials and the like).
 *
 * The person who signs in is headless: the suite's authorization server approves at once, so following its
 * authorization URL to the redirect is the whole login.
 *
 * @module
 */

import { Client } from "npm:@modelcontextprotocol/sdk@^1.32.2/client/index.js";
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@^1.32.2/client/streamableHttp.js";
import { importPKCS8 } from "jose";
import {
  auth,
  createFetch,
  jwtBearer,
  protectedResource,
  type ProtectedResourceOptions,
  type ResourceLogin,
  tokenExchange,
} from "../../mod.ts";

const serverUrl = Deno.args[0];
const scenario = Deno.env.get("MCP_CONFORMANCE_SCENARIO") ?? "";
const context = JSON.parse(Deno.env.get("MCP_CONFORMANCE_CONTEXT") ?? "{}") as Record<
  string,
  string
>;
const REDIRECT = "http://127.0.0.1:33418/callback";
const CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json";

/** The headless person: follows the authorization URL and returns the redirect it answers with. */
async function approve(url: URL): Promise<string> {
  const response = await fetch(url, { redirect: "manual" });
  await response.body?.cancel();
  const location = response.headers.get("location");
  if (location === null) {
    throw new Error(`The authorization endpoint answered HTTP ${response.status}`);
  }
  return new URL(location, url).href;
}

async function loginFor(): Promise<Pick<ProtectedResourceOptions, "login" | "client">> {
  const browser: ResourceLogin = { kind: "browser", redirectUri: REDIRECT, authorize: approve };
  switch (scenario) {
    case "auth/pre-registration":
      return {
        login: browser,
        client: { clientId: context.client_id, clientSecret: context.client_secret },
      };
    case "auth/client-credentials-basic":
      return {
        login: {
          kind: "client_credentials",
          clientId: context.client_id,
          clientSecret: context.client_secret,
        },
      };
    case "auth/client-credentials-jwt":
      return {
        login: {
          kind: "client_credentials",
          clientId: context.client_id,
          privateKey: await importPKCS8(context.private_key_pem, context.signing_algorithm),
          algorithm: context.signing_algorithm,
          clientAuth: "private_key_jwt",
        },
      };
    case "auth/cross-app-access-complete-flow":
      return {
        client: { clientId: context.client_id, clientSecret: context.client_secret },
        login: {
          kind: "custom",
          async token({ issuer, resource, authorizationServer, client, scope, fetch, signal }) {
            // SEP-990: the IdP trades the person's ID token for an ID-JAG, which the authorization server
            // takes as a JWT bearer grant.
            const jag = await tokenExchange({
              tokenUrl: context.idp_token_endpoint,
              clientId: context.idp_client_id,
              clientAuth: "none",
              subjectToken: context.idp_id_token,
              subjectTokenType: "urn:ietf:params:oauth:token-type:id_token",
              requestedTokenType: "urn:ietf:params:oauth:token-type:id-jag",
              audience: issuer,
              resource,
              scope,
              fetch,
            }).token({ signal });
            return await jwtBearer({
              tokenUrl: authorizationServer.token_endpoint,
              clientId: client!.clientId,
              clientSecret: client!.clientSecret,
              assertion: jag.accessToken,
              scope,
              fetch,
            }).token({ signal });
          },
        },
      };
    default:
      return { login: browser };
  }
}

const tokens = protectedResource(serverUrl, {
  ...await loginFor(),
  clientMetadataUrl: CLIENT_METADATA_URL,
  clientMetadata: { client_name: "authfetch-conformance" },
});
const transport = new StreamableHTTPClientTransport(new URL(serverUrl), {
  fetch: createFetch([auth(tokens)]),
});
const client = new Client({ name: "authfetch-conformance", version: "1.0.0" });
try {
  await client.connect(transport);
  const { tools } = await client.listTools();
  if (tools.length > 0) await client.callTool({ name: tools[0].name, arguments: {} });
  console.log(`tools: ${tools.map((tool: { name: string }) => tool.name).join(", ")}`);
} finally {
  await client.close().catch(() => {});
}
