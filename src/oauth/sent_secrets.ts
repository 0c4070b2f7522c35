/**
 * The secret values one exchange with an authorization server sent, kept as they were sent: the form
 * and headers objects, the client credentials, and each attempt's one-time values (client assertion,
 * DPoP proof). A successful exchange needs none of them; {@linkcode secretsOf} turns them into a
 * {@linkcode Secrets} (with every encoded form) when an error is built or `postForm()` returns them.
 *
 * @module
 */

import { Secrets } from "../secrets.ts";

/** What one exchange sent that is secret ({@linkcode secretsOf} makes it a {@linkcode Secrets}). */
export interface SentSecrets {
  /** Secrets the caller passed in (values the server may know but the request does not carry). */
  given: Secrets | undefined;
  /** The client id, for the `id:secret` forms of HTTP Basic. */
  clientId: string | undefined;
  /** The client secret. */
  clientSecret: string | undefined;
  /** The form sent (its secret-named parameters are secrets). */
  body: URLSearchParams;
  /** The headers sent, lower-case names (credential headers and secret-named ones are secrets). */
  headers: Record<string, string>;
  /** The client assertions and DPoP proofs of earlier attempts (each attempt signs anew). */
  signed: string[];
}

/**
 * The secrets of an exchange, in every form a server may echo them.
 *
 * @param sent What the exchange sent, or a {@linkcode Secrets} already.
 * @returns The secrets.
 */
export function secretsOf(sent: SentSecrets | Secrets | undefined): Secrets | undefined {
  if (sent === undefined || sent instanceof Secrets) return sent;
  return new Secrets(sent.signed).merge(sent.given).addBasic(sent.clientId, sent.clientSecret)
    .addForm(sent.body).addHeaders(new Headers(sent.headers));
}
