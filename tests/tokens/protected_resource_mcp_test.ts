/**
 * Interop with the MCP TypeScript SDK, both ends: its server (Streamable HTTP, `requireBearerAuth`, the
 * protected resource metadata of `mcpAuthMetadataRouter`) behind oidc-provider as the authorization
 * server, and its client transport given authfetch's fetch. From nothing but the server's URL: the first
 * call gets a 401, then discovery, dynamic registration, a headless sign-in, and the tools are listed.
 */

import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import express from "npm:express@^5.1.0";
import { Client } from "npm:@modelcontextprotocol/sdk@^1.32.2/client/index.js";
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@^1.32.2/client/streamableHttp.js";
import { McpServer } from "npm:@modelcontextprotocol/sdk@^1.32.2/server/mcp.js";
import { StreamableHTTPServerTransport } from "npm:@modelcontextprotocol/sdk@^1.32.2/server/streamableHttp.js";
import { requireBearerAuth } from "npm:@modelcontextprotocol/sdk@^1.32.2/server/auth/middleware/bearerAuth.js";
import { InvalidTokenError } from "npm:@modelcontextprotocol/sdk@^1.32.2/server/auth/errors.js";
import {
  getOAuthProtectedResourceMetadataUrl,
  mcpAuthMetadataRouter,
} from "npm:@modelcontextprotocol/sdk@^1.32.2/server/auth/router.js";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { auth, createFetch, MemoryStore, protectedResource } from "../../mod.ts";
import { startOidcProvider } from "../peers/oidc_provider.ts";
import { completeAuthorization } from "../peers/oidc_interactions.ts";

// express ships no types here.
// deno-lint-ignore no-explicit-any
type Untyped = any;

Deno.test({
  name:
    "protectedResource() with the MCP SDK: its server and client transport, 401 to tools listed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const resourceServers: Record<string, { scope: string }> = {};
    const provider = await startOidcProvider({ registration: true, resourceServers });
    const oauthMetadata = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`))
      .json();
    const jwks = createRemoteJWKSet(new URL(oauthMetadata.jwks_uri));

    const app = express();
    app.use(express.json());
    const listener = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => listener.once("listening", resolve));
    const mcpUrl = new URL(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/mcp`);
    resourceServers[mcpUrl.href] = { scope: "mcp:tools" };
    const seen: number[] = [];

    app.use(mcpAuthMetadataRouter({
      oauthMetadata,
      resourceServerUrl: mcpUrl,
      scopesSupported: ["mcp:tools"],
    }));
    const bearer = requireBearerAuth({
      requiredScopes: ["mcp:tools"],
      resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl),
      verifier: {
        async verifyAccessToken(token: string) {
          try {
            const { payload } = await jwtVerify(token, jwks, {
              issuer: provider.issuer,
              audience: mcpUrl.href,
            });
            return {
              token,
              clientId: String(payload.client_id),
              scopes: String(payload.scope ?? "").split(" "),
              expiresAt: payload.exp,
            };
          } catch (error) {
            throw new InvalidTokenError(`token refused: ${(error as Error).message}`);
          }
        },
      },
    });
    app.post(
      "/mcp",
      (_req: Untyped, res: Untyped, next: () => void) => {
        res.on("finish", () => seen.push(res.statusCode));
        next();
      },
      bearer,
      async (req: Untyped, res: Untyped) => {
        const server = new McpServer({ name: "interop", version: "1.0.0" });
        server.registerTool(
          "whoami",
          { description: "Who is calling" },
          (extra: { authInfo?: { clientId: string } }) => ({
            content: [{ type: "text", text: `client ${extra.authInfo?.clientId}` }],
          }),
        );
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        res.on("close", () => {
          transport.close();
          server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, req.body);
      },
    );

    const logins: URL[] = [];
    const registrations: string[] = [];
    const tokens = protectedResource(mcpUrl, {
      store: new MemoryStore(),
      login: {
        kind: "browser",
        redirectUri: "http://127.0.0.1:9/callback",
        authorize: (url) => {
          logins.push(url);
          return completeAuthorization(url);
        },
      },
      fetch: (input, init) => {
        const request = new Request(input, init);
        if (request.method === "POST" && new URL(request.url).pathname === "/reg") {
          registrations.push(request.url);
        }
        return fetch(request);
      },
    });
    const client = new Client({ name: "authfetch-interop", version: "1.0.0" });
    try {
      await client.connect(
        new StreamableHTTPClientTransport(mcpUrl, { fetch: createFetch([auth(tokens)]) }),
      );
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((tool: { name: string }) => tool.name), ["whoami"]);
      const result = await client.callTool({ name: "whoami", arguments: {} });
      const text = (result.content as { text: string }[])[0].text;
      assert.match(text, /^client \S+/);
      assert.equal(seen[0], 401, "the first call has no token");
      assert.ok(seen.slice(1).every((status) => status < 300), `later statuses: ${seen}`);
      assert.equal(registrations.length, 1);
      assert.equal(logins.length, 1);
      assert.equal(logins[0].searchParams.get("resource"), mcpUrl.href);
      assert.equal((await tokens.discovery()).issuer, provider.issuer);
    } finally {
      await client.close().catch(() => {});
      await new Promise((resolve) => listener.close(resolve));
      listener.closeAllConnections?.();
      await provider.close();
    }
  },
});
