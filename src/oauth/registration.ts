/**
 * OAuth 2.0 Dynamic Client Registration (RFC 7591).
 *
 * @module
 */

import { AuthFetchError, OAuthError } from "../errors.ts";
import type { Fetch } from "../pipeline.ts";
import { fetchDocument } from "./metadata_fetch.ts";

/**
 * Client metadata sent to a registration endpoint (RFC 7591 §2); members not listed are sent too.
 *
 * @example
 * ```ts
 * import type { ClientMetadata } from "@authfetch/authfetch";
 * const metadata: ClientMetadata = {
 *   client_name: "my-cli",
 *   redirect_uris: ["http://127.0.0.1:8765/callback"],
 *   application_type: "native",
 * };
 * ```
 */
export interface ClientMetadata {
  /** Redirect URIs of the client. */
  redirect_uris?: string[];
  /** `none`, `client_secret_basic`, `client_secret_post`, … */
  token_endpoint_auth_method?: string;
  /** Grant types the client uses. */
  grant_types?: string[];
  /** Response types the client uses. */
  response_types?: string[];
  /** A human-readable name. */
  client_name?: string;
  /** Scopes the client may ask for. */
  scope?: string;
  /** OpenID Connect Registration: `native` for loopback and device logins, `web` otherwise. */
  application_type?: "native" | "web";
  /** Other members. */
  [member: string]: unknown;
}

/**
 * What a registration endpoint returned (RFC 7591 §3.2.1).
 *
 * @example
 * ```ts
 * import type { RegisteredClient } from "@authfetch/authfetch";
 * function idOf(client: RegisteredClient): string {
 *   return client.client_id;
 * }
 * ```
 */
export interface RegisteredClient extends ClientMetadata {
  /** The client identifier. */
  client_id: string;
  /** The client secret, for confidential clients. */
  client_secret?: string;
  /** When the secret expires, epoch seconds; 0 for never. */
  client_secret_expires_at?: number;
  /** When the client was registered, epoch seconds. */
  client_id_issued_at?: number;
}

/**
 * Options of {@linkcode registerClient}.
 *
 * @example
 * ```ts
 * import type { RegisterClientOptions } from "@authfetch/authfetch";
 * const options: RegisterClientOptions = { initialAccessToken: "iat", timeout: 5_000 };
 * ```
 */
export interface RegisterClientOptions {
  /** The fetch to use. @default globalThis.fetch */
  fetch?: Fetch;
  /** Allow a plain `http:` endpoint that is not loopback. @default false */
  allowInsecureHttp?: boolean;
  /** Aborts the request. @default undefined */
  signal?: AbortSignal;
  /** The deadline, ms. @default 10000 */
  timeout?: number;
  /** An RFC 7591 initial access token, sent as a Bearer token. @default undefined */
  initialAccessToken?: string;
}

/**
 * Registers a client at an RFC 7591 registration endpoint: a JSON POST of the client's metadata, with no
 * redirects followed, a size cap and a deadline.
 *
 * @param registrationEndpoint The server's `registration_endpoint`.
 * @param metadata The client metadata.
 * @param options Fetch, deadline and an initial access token.
 * @returns The registered client (its `client_id`, maybe a `client_secret`).
 * @throws {OAuthError} When the server refuses (`invalid_client_metadata`, `invalid_redirect_uri`, …).
 * @throws {AuthFetchError} With code `registration_error` when the answer is not a registration.
 * @throws {TypeError} When the endpoint is not `https:` (or loopback `http:`).
 * @example
 * ```ts
 * import { registerClient } from "@authfetch/authfetch";
 *
 * export async function registerCli(): Promise<string> {
 *   const client = await registerClient("https://auth.example.com/register", {
 *     client_name: "my-cli",
 *     redirect_uris: ["http://127.0.0.1:8765/callback"],
 *     token_endpoint_auth_method: "none",
 *   });
 *   return client.client_id;
 * }
 * ```
 */
export async function registerClient(
  registrationEndpoint: string | URL,
  metadata: ClientMetadata,
  options: RegisterClientOptions = {},
): Promise<RegisteredClient> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.initialAccessToken !== undefined) {
    headers.authorization = `Bearer ${options.initialAccessToken}`;
  }
  const result = await fetchDocument(registrationEndpoint, "registration_endpoint", options, {
    method: "POST",
    headers,
    body: JSON.stringify(metadata),
  });
  if (!result.ok) {
    const body = result.body;
    if (typeof body?.error === "string") {
      throw new OAuthError({
        error: body.error,
        errorDescription: typeof body.error_description === "string"
          ? body.error_description
          : undefined,
        status: result.status,
        context: "client registration",
      });
    }
    throw new AuthFetchError(
      "registration_error",
      `Client registration failed: ${result.problem}`,
      { status: result.status },
    );
  }
  const client = result.document as Partial<RegisteredClient>;
  if (typeof client.error === "string") {
    throw new OAuthError({
      error: client.error,
      errorDescription: typeof client.error_description === "string"
        ? client.error_description
        : undefined,
      status: result.status,
      context: "client registration",
    });
  }
  if (typeof client.client_id !== "string" || client.client_id === "") {
    throw new AuthFetchError(
      "registration_error",
      `The registration response from ${registrationEndpoint} has no client_id`,
      { status: result.status },
    );
  }
  if (client.client_secret !== undefined && typeof client.client_secret !== "string") {
    throw new AuthFetchError(
      "registration_error",
      `The registration response from ${registrationEndpoint} has a client_secret that is not a string`,
    );
  }
  return client as RegisteredClient;
}
