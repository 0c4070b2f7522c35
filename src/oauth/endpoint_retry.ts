/**
 * Endpoint requests with a `retry` option: the attempts of one exchange run through a `retry()`
 * handler (POST included) built once per options object. Loaded through `lazy.ts` with the first
 * request of options that set `retry`; without it an exchange makes its one attempt directly.
 *
 * @module
 */

import { compose, type Handler } from "../pipeline.ts";
import { retry } from "../handlers/retry.ts";
import type { EndpointOptions } from "./token_request.ts";

const endpointPolicies = new WeakMap<object, readonly Handler[]>();

/**
 * The handlers endpoint requests with `options` run through: the retry policy, POST included; built
 * once per options object. Each attempt's deadline is added by the exchange, inside them.
 */
function endpointHandlers(options: EndpointOptions): readonly Handler[] {
  let handlers = endpointPolicies.get(options);
  if (handlers === undefined) {
    const policy = typeof options.retry === "object" ? options.retry : {};
    handlers = [retry({ ...policy, methods: ["POST", ...(policy.methods ?? [])] })];
    endpointPolicies.set(options, handlers);
  }
  return handlers;
}

/**
 * Runs an exchange's attempts under `options.retry`. The retry handler sees a bodiless stand-in
 * request carrying the caller's signal; `attempt` builds the real request each time, given the
 * stand-in's signal.
 *
 * @param options The endpoint options, with `retry` set.
 * @param url The endpoint.
 * @param signal The caller's signal.
 * @param attempt One attempt.
 * @returns The answer of the last attempt made.
 */
export function retriedAttempts(
  options: EndpointOptions,
  url: URL,
  signal: AbortSignal | undefined,
  attempt: (signal: AbortSignal) => Promise<Response>,
): Promise<Response> {
  const run = compose(endpointHandlers(options), (placeholder) => attempt(placeholder.signal));
  return run(new Request(url, { method: "POST", signal }));
}
