/**
 * What an exchange that signs does besides sending: a new client assertion and DPoP proof for each
 * attempt (those of earlier attempts kept, to be scrubbed from errors), and the one retry a DPoP
 * server's nonce asks for. Loaded through `lazy.ts` with the first exchange that signs: clients
 * with a secret and no DPoP key never load it.
 *
 * @module
 */

import type { DPoPKey } from "./dpop.ts";
import { applyClientAuth } from "./client_auth.ts";
import type { SentSecrets } from "./sent_secrets.ts";
import type { EndpointOptions } from "./token_request.ts";

/**
 * Signs one attempt of an exchange: keeps the client assertion and DPoP proof of the attempt before
 * (in `sent.signed`), then adds client authentication and, with a DPoP key, a new proof.
 *
 * @param options Endpoint and client options.
 * @param url The endpoint.
 * @param body The form body.
 * @param headers The request headers, lower-case names.
 * @param sent What the exchange sent that is secret.
 */
export async function signAttempt(
  options: EndpointOptions,
  url: URL,
  body: URLSearchParams,
  headers: Record<string, string>,
  sent: SentSecrets,
): Promise<void> {
  const assertion = body.get("client_assertion");
  if (assertion !== null) sent.signed.push(assertion);
  if (headers.dpop !== undefined) sent.signed.push(headers.dpop);
  await applyClientAuth(options, body, headers, url, (options.now ?? Date.now)());
  if (options.dpop !== undefined) headers.dpop = await options.dpop.proof("POST", url);
}

/**
 * RFC 9449 §8: when the server asks for a nonce (`use_dpop_nonce`), the exchange is sent once more,
 * with it and a new assertion and proof.
 *
 * @param dpop The DPoP key, which keeps the server's nonces.
 * @param url The endpoint.
 * @param response The first answer.
 * @param send Sends the exchange again.
 * @returns The answer to use.
 */
export async function nonceRetried(
  dpop: DPoPKey,
  url: URL,
  response: Response,
  send: () => Promise<Response>,
): Promise<Response> {
  if (!(await dpop.observe(url, response))) return response;
  await response.body?.cancel();
  const retried = await send();
  await dpop.observe(url, retried);
  return retried;
}
