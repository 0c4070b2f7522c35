/**
 * Client authentication at the token, revocation and introspection endpoints: `client_secret_basic`,
 * `client_secret_post`, `client_secret_jwt`, `private_key_jwt` and `none`.
 *
 * @module
 */

/**
 * How the client authenticates to the authorization server (RFC 6749 §2.3, OIDC Core §9).
 *
 * @example
 * ```ts
 * import { type ClientAuthMethod, clientCredentials } from "@authfetch/authfetch";
 * const clientAuth: ClientAuthMethod = "client_secret_post";
 * const grant = clientCredentials({
 *   tokenUrl: "https://auth.example.com/oauth/token",
 *   clientId: "my-service",
 *   clientSecret: "s3cret",
 *   clientAuth,
 * });
 * ```
 */
export type ClientAuthMethod =
  | "client_secret_basic"
  | "client_secret_post"
  | "client_secret_jwt"
  | "private_key_jwt"
  | "none";

/**
 * The client's identity and credentials.
 *
 * @example
 * ```ts
 * import { clientCredentials, type ClientCredentialsOptions } from "@authfetch/authfetch";
 * const algorithm = { name: "ECDSA", namedCurve: "P-256" };
 * const { privateKey } = await crypto.subtle.generateKey(algorithm, false, ["sign", "verify"]);
 * const client: ClientCredentialsOptions = { clientId: "my-service", privateKey };
 * const grant = clientCredentials({ ...client, tokenUrl: "https://auth.example.com/oauth/token" });
 * ```
 */
export interface ClientCredentialsOptions {
  /** The client id. @default undefined */
  clientId?: string;
  /** The client secret, for `client_secret_basic`, `client_secret_post` and `client_secret_jwt`. @default undefined */
  clientSecret?: string;
  /**
   * The authentication method. @default "client_secret_basic" with a secret, "private_key_jwt" with a
   * private key, else "none"
   */
  clientAuth?: ClientAuthMethod;
  /** The private key for `private_key_jwt`: a `CryptoKey` or a private JWK. @default undefined */
  privateKey?: CryptoKey | JsonWebKey;
  /** `kid` put in the client assertion's header. @default the JWK's `kid` */
  keyId?: string;
  /** The client assertion's algorithm. @default the JWK's `alg`, else derived from the key */
  algorithm?: string;
  /** `aud` of client assertions. @default the issuer when known, else the endpoint URL */
  assertionAudience?: string;
}

/**
 * The client authentication method used for `options`.
 *
 * @param options The client options.
 * @returns The method.
 */
export function clientAuthMethod(options: ClientCredentialsOptions): ClientAuthMethod {
  if (options.clientAuth) return options.clientAuth;
  if (options.clientSecret !== undefined) return "client_secret_basic";
  if (options.privateKey !== undefined) return "private_key_jwt";
  return "none";
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined for HTTP Basic. */
function formEncode(value: string): string {
  return new URLSearchParams([["", value]]).toString().slice(1);
}

/**
 * Throws the error of a client authentication method that lacks a credential.
 *
 * @param method The method.
 * @param what The missing option.
 * @throws {TypeError} Always.
 */
export function missingCredential(method: ClientAuthMethod, what: string): never {
  throw new TypeError(`Cannot authenticate the client with ${method}: ${what} is missing`);
}

/**
 * Adds client authentication to a request's body and headers. A JWT client assertion
 * (`client_secret_jwt`, `private_key_jwt`) is made by `client_assertion.ts`, loaded with the first:
 * secret-based clients never load it.
 *
 * @param options The client's credentials, and the issuer (the assertion's audience).
 * @param body The form body.
 * @param headers The request headers, lower-case names.
 * @param url The endpoint (the assertion's audience without an issuer).
 * @param now The clock, epoch ms.
 * @throws {TypeError} When the method needs a credential that was not given.
 */
export async function applyClientAuth(
  options: ClientCredentialsOptions & { issuer?: string | URL },
  body: URLSearchParams,
  headers: Record<string, string>,
  url: URL,
  now: number,
): Promise<void> {
  const method = clientAuthMethod(options);
  const { clientId, clientSecret } = options;
  switch (method) {
    case "none":
      if (clientId !== undefined) body.set("client_id", clientId);
      return;
    case "client_secret_basic":
    case "client_secret_post":
      if (clientId === undefined) missingCredential(method, "clientId");
      if (clientSecret === undefined) missingCredential(method, "clientSecret");
      if (method === "client_secret_post") {
        body.set("client_id", clientId);
        body.set("client_secret", clientSecret);
      } else {
        headers.authorization = `Basic ${
          btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)
        }`;
      }
      return;
    case "client_secret_jwt":
    case "private_key_jwt":
      return (await import("../lazy.ts")).assertClient(method, options, body, url, now);
    default:
      throw new TypeError(`Cannot authenticate the client: unknown clientAuth "${method}"`);
  }
}
