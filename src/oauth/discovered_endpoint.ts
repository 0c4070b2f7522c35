/**
 * An endpoint found by discovery, for endpoint options that give an issuer instead of the endpoint's
 * URL: the part of `resolveEndpoint()` (`token_request.ts`) a client given its endpoints never runs,
 * loaded through `lazy.ts` with the first endpoint not given.
 *
 * @module
 */

import { endpointUrl } from "../http.ts";
import { type AuthorizationServerMetadata, discover } from "./discovery.ts";
import type { EndpointName, EndpointOptions } from "./token_request.ts";

/**
 * The issuer's endpoint `name`, from its metadata.
 *
 * @param options Endpoint options (the issuer, and how to fetch its metadata).
 * @param name The metadata member.
 * @returns The endpoint URL.
 * @throws {TypeError} When no issuer is given, or it does not advertise the endpoint.
 */
export async function discoveredEndpoint(
  options: EndpointOptions,
  name: EndpointName,
): Promise<URL> {
  if (options.issuer === undefined) {
    throw new TypeError(`Cannot find the ${name}: give its URL or an issuer to discover it from`);
  }
  const metadata: AuthorizationServerMetadata = await discover(options.issuer, {
    fetch: options.fetch,
    allowInsecureHttp: options.allowInsecureHttp,
    timeout: options.timeout,
  });
  const url = metadata[name];
  if (typeof url !== "string") {
    throw new TypeError(`Cannot use ${name}: the issuer ${options.issuer} does not advertise one`);
  }
  return endpointUrl(url, name, options.allowInsecureHttp);
}
