/**
 * {@linkcode postForm}: a form POST to an authorization server endpoint (revocation, introspection,
 * device authorization, or any other) that returns the parsed answer with the exchange's secrets.
 *
 * @module
 */

import type { Secrets } from "../secrets.ts";
import {
  type EndpointOptions,
  exchange,
  type FormParams,
  type FormRequest,
} from "./token_request.ts";
import { secretsOf } from "./sent_secrets.ts";

/**
 * What {@linkcode postForm} returns.
 *
 * @example
 * ```ts
 * import { type FormResponse, postForm } from "@authfetch/authfetch";
 * const fetch = () => Promise.resolve(Response.json({ active: false })); // a stub server
 * const url = new URL("https://auth.example.com/introspect");
 * const answer: FormResponse = await postForm({ fetch }, url, { token: "abc" }, {
 *   context: "introspection",
 * });
 * console.log(answer.status, answer.body.active); // 200 false
 * ```
 */
export interface FormResponse {
  /** The HTTP status. */
  status: number;
  /** The parsed JSON (or form-encoded) object. */
  body: Record<string, unknown>;
  /** The response headers. */
  headers: Headers;
  /**
   * The secret values the request carried (client credentials, grant parameters, DPoP proof): pass
   * them to any error built from the answer.
   */
  secrets: Secrets;
}

/**
 * POSTs a form to an authorization server endpoint with client authentication and parses the answer.
 * RFC 6749 §5.2 errors (also in a 200) become {@linkcode OAuthError}; anything else malformed becomes a
 * {@linkcode TokenResponseError} quoting a short, secret-free excerpt.
 *
 * @param options Endpoint and client options.
 * @param url The endpoint.
 * @param params The form parameters.
 * @param request Signal, context for messages, whether an empty 200 is acceptable, and secrets the
 *   request does not carry in its form or headers but the server may know (they are scrubbed from
 *   errors along with every secret-named form parameter and credential header sent).
 * @returns The status, parsed body, headers and the exchange's secrets.
 *
 * @example
 * ```ts
 * import { postForm } from "@authfetch/authfetch";
 * const fetch = () => Promise.resolve(Response.json({ active: true, scope: "api:read" })); // stub
 * const url = new URL("https://auth.example.com/introspect");
 * const form = { token: "abc", token_type_hint: "access_token" };
 * const { status, body } = await postForm({ fetch }, url, form, { context: "introspection" });
 * console.log(status, body.scope); // 200 "api:read"
 * ```
 */
export async function postForm(
  options: EndpointOptions,
  url: URL,
  params: FormParams,
  request: FormRequest,
): Promise<FormResponse> {
  const { status, body, headers, sent } = await exchange(options, url, params, request);
  return { status, body, headers, secrets: secretsOf(sent)! };
}
