/**
 * Which client to use at a discovered authorization server: a pre-registered client, an OAuth Client ID
 * Metadata Document URL, or one registered on the fly (RFC 7591) and kept in the token store by issuer.
 *
 * @module
 */

import { AuthFetchError } from "../errors.ts";
import { isLoopback } from "../handlers/origins.ts";
import type { ClientAuthMethod, ClientCredentialsOptions } from "../oauth/client_auth.ts";
import type { AuthorizationServerMetadata } from "../oauth/discovery.ts";
import {
  type ClientMetadata,
  registerClient,
  type RegisteredClient,
} from "../oauth/registration.ts";
import type { Fetch } from "../pipeline.ts";
import { sleep } from "../sleep.ts";
import type { TokenStore } from "./store.ts";

/**
 * A client to use at the token endpoint, and how it came about (as a `CustomLogin` sees it).
 *
 * @example
 * ```ts
 * import type { ResolvedClient } from "@authfetch/authfetch";
 * const client: ResolvedClient = { clientId: "svc", clientSecret: "s3cret", via: "pre-registered" };
 * ```
 */
export interface ResolvedClient extends ClientCredentialsOptions {
  /** The client id. */
  clientId: string;
  /** `"pre-registered"`, `"metadata-document"` (CIMD) or `"dynamic"` (RFC 7591). */
  via: "pre-registered" | "metadata-document" | "dynamic";
}

/** What the registry needs from the protected resource source. */
export interface RegistryOptions {
  /** Where registered clients are kept. */
  store: TokenStore;
  /** Key prefix. */
  prefix: string;
  /** A pre-registered client. */
  client?: ClientCredentialsOptions & { clientId: string };
  /** An https URL serving the client's metadata document (CIMD). */
  clientMetadataUrl?: string;
  /** Extra registration metadata. */
  clientMetadata?: ClientMetadata;
  /** Fetch for registration. */
  fetch?: Fetch;
  /** Allow plain http that is not loopback. */
  allowInsecureHttp?: boolean;
  /** Deadline of a registration request, ms. */
  timeout?: number;
  /** The clock, epoch ms. */
  now: () => number;
}

/** How the client signs in: decides the registration metadata. */
export interface RegistrationNeeds {
  /** The redirect URI (browser logins). */
  redirectUri?: string;
  /** The grant types the client uses. */
  grantTypes: string[];
  /** Loopback or device login: `application_type: "native"`. */
  native: boolean;
}

const PREFERRED: ClientAuthMethod[] = ["none", "client_secret_basic", "client_secret_post"];

/**
 * Resolves clients per issuer: pre-registered, then CIMD when the server supports it, then the stored
 * registration, then a new registration (once across processes when the store has a lease).
 */
export class ClientRegistry {
  #options: RegistryOptions;
  #pending = new Map<string, Promise<ResolvedClient>>();

  /** @param options Store, clients and transport. */
  constructor(options: RegistryOptions) {
    this.#options = options;
  }

  /**
   * The client for `server`.
   *
   * @param server The authorization server's metadata.
   * @param needs What the login needs registered.
   * @param signal Aborts a registration.
   * @returns The client.
   */
  client(
    server: AuthorizationServerMetadata,
    needs: RegistrationNeeds,
    signal?: AbortSignal,
  ): Promise<ResolvedClient> {
    const given = this.#options.client;
    if (given !== undefined) return Promise.resolve({ ...given, via: "pre-registered" });
    const cimd = this.#options.clientMetadataUrl;
    if (cimd !== undefined && server.client_id_metadata_document_supported === true) {
      return Promise.resolve({ clientId: cimd, clientAuth: "none", via: "metadata-document" });
    }
    const id = `${server.issuer} ${fingerprint(server, needs)}`;
    const pending = this.#pending.get(id);
    if (pending !== undefined) return pending;
    const next = this.#registered(server, needs, signal).finally(() => this.#pending.delete(id));
    this.#pending.set(id, next);
    return next;
  }

  /**
   * Forgets the stored registration for `issuer` (the server rejected the client, `invalid_client`).
   *
   * @param issuer The issuer.
   * @param clientId The client id that was rejected; a newer registration is kept.
   */
  async forget(issuer: string, clientId: string): Promise<void> {
    const key = this.#key(issuer);
    const stored = await this.#options.store.get(key);
    if ((stored?.raw?.client as RegisteredClient | undefined)?.client_id === clientId) {
      await this.#options.store.delete(key);
    }
  }

  #key(issuer: string): string {
    return `${this.#options.prefix}client:${issuer}`;
  }

  async #registered(
    server: AuthorizationServerMetadata,
    needs: RegistrationNeeds,
    signal?: AbortSignal,
  ): Promise<ResolvedClient> {
    const store = this.#options.store;
    const key = this.#key(server.issuer);
    const print = fingerprint(server, needs);
    const usable = (raw: Record<string, unknown> | undefined) => {
      if (raw?.fingerprint !== print) return undefined;
      const client = raw.client as RegisteredClient;
      const expires = client.client_secret_expires_at;
      if (typeof expires === "number" && expires > 0 && expires * 1000 <= this.#options.now()) {
        return undefined;
      }
      return resolved(client, raw.clientAuth as ClientAuthMethod);
    };
    const found = usable((await store.get(key))?.raw);
    if (found !== undefined) return found;
    if (typeof server.registration_endpoint !== "string") {
      throw new AuthFetchError(
        "registration_error",
        `The authorization server ${server.issuer} has no registration_endpoint and supports no client ID ` +
          "metadata documents: give a pre-registered client (the client option) or clientMetadataUrl",
      );
    }
    // One registration across processes: the lease holder registers, the others wait for its record.
    const deadline = this.#options.now() + 30_000;
    let pause = 10;
    for (;;) {
      const lease = store.acquire === undefined ? undefined : await store.acquire(key, 30_000);
      if (lease !== undefined || store.acquire === undefined) {
        try {
          const latest = usable((await store.get(key))?.raw);
          if (latest !== undefined) return latest;
          const method = authMethodFor(server);
          const metadata: ClientMetadata = {
            client_name: "authfetch",
            ...this.#options.clientMetadata,
            grant_types: needs.grantTypes,
            response_types: needs.redirectUri === undefined ? [] : ["code"],
            redirect_uris: needs.redirectUri === undefined ? [] : [needs.redirectUri],
            token_endpoint_auth_method: method,
            application_type: needs.native ? "native" : "web",
          };
          const client = await registerClient(server.registration_endpoint, metadata, {
            fetch: this.#options.fetch,
            allowInsecureHttp: this.#options.allowInsecureHttp,
            timeout: this.#options.timeout,
            signal,
          });
          const clientAuth = (client.token_endpoint_auth_method as ClientAuthMethod | undefined) ??
            method;
          const record = {
            accessToken: "",
            tokenType: "client-registration",
            raw: { client, clientAuth, fingerprint: print },
          };
          if (lease !== undefined) await lease.set(record);
          else await store.set(key, record);
          return resolved(client, clientAuth);
        } finally {
          await lease?.release().catch(() => {});
        }
      }
      if (this.#options.now() >= deadline) {
        throw new AuthFetchError(
          "lease_timeout",
          `Waited 30000 ms for another process to register a client at ${server.issuer}`,
        );
      }
      await sleep(pause, signal);
      pause = Math.min(pause * 2, 250);
      const latest = usable((await store.get(key))?.raw);
      if (latest !== undefined) return latest;
    }
  }
}

function resolved(client: RegisteredClient, clientAuth: ClientAuthMethod): ResolvedClient {
  const method = clientAuth !== "none" && client.client_secret === undefined ? "none" : clientAuth;
  return {
    clientId: client.client_id,
    clientSecret: method === "none" ? undefined : client.client_secret,
    clientAuth: method,
    via: "dynamic",
  };
}

/** The token endpoint authentication to register: a public client when the server allows it. */
function authMethodFor(server: AuthorizationServerMetadata): ClientAuthMethod {
  const supported = server.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
  return PREFERRED.find((method) => supported.includes(method)) ?? "none";
}

/** What a stored registration must match to be reused: the server's endpoint and the login's needs. */
function fingerprint(server: AuthorizationServerMetadata, needs: RegistrationNeeds): string {
  let redirect = needs.redirectUri ?? null;
  if (redirect !== null && needs.native) {
    // RFC 8252 §7.3: a loopback redirect may use any port, so a new port keeps the registration.
    const url = new URL(redirect);
    if (url.protocol === "http:" && isLoopback(url.hostname)) url.port = "";
    redirect = url.href;
  }
  return JSON.stringify([
    server.registration_endpoint ?? null,
    redirect,
    [...needs.grantTypes].sort(),
    needs.native,
  ]);
}
