/**
 * The handlers `createFetch()`'s direct lane (`direct_lane.ts`) can stand in for, recorded as they are
 * made: the token source of each `auth()` left at its defaults, and the policy of each `retry()`. The
 * lane reads them (`directLane()`) when its code has loaded.
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
