/**
 * The handlers `createFetch()`'s direct lane (`direct_lane.ts`) can stand in for, recorded as they are
 * made: the token source of each `auth()` left at its defaults, and the policy of each `retry()`; and
 * the lane of a pipeline made of them ({@linkcode directLane}).
 *
 * @module
 */

import type { Handler } from "./pipeline.ts";
import type { Policy } from "./handlers/retry.ts";
import type { TokenSource } from "./tokens/source.ts";

/** The token source of each `auth()` made without options (or with every option at its default). */
export const AUTH_TOKENS: WeakMap<Handler, TokenSource> = new WeakMap<Handler, TokenSource>();
/** The policy of each `retry()` handler. */
export const RETRY_POLICIES: WeakMap<Handler, Policy> = new WeakMap<Handler, Policy>();

/** What a pipeline's direct lane needs, found once by {@linkcode directLane}. */
export interface Lane {
  /** The token source of the pipeline's `auth()`, when it has one. */
  tokens: TokenSource | undefined;
  /** The policy of the pipeline's `retry()`, when it has one. */
  policy: Policy | undefined;
}

/** The lane of a pipeline without handlers. */
const BARE: Lane = { tokens: undefined, policy: undefined };

/**
 * The direct lane of a pipeline, when its handlers are ones the lane can stand in for.
 *
 * @param handlers The pipeline's handlers, outermost first.
 * @returns The lane, or `undefined` when every call goes through the handlers.
 */
export function directLane(handlers: readonly Handler[]): Lane | undefined {
  if (handlers.length === 0) return BARE;
  const tokens = AUTH_TOKENS.get(handlers[handlers.length - 1]);
  if (tokens === undefined) return undefined;
  if (handlers.length === 1) return { tokens, policy: undefined };
  const policy = handlers.length === 2 ? RETRY_POLICIES.get(handlers[0]) : undefined;
  return policy === undefined ? undefined : { tokens, policy };
}
