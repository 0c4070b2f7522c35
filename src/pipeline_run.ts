/**
 * A `createFetch()` client's pipeline as one record ({@linkcode Pipeline}), and running a request
 * through its handlers; shared by `createFetch()` (`pipeline.ts`) and its direct lane
 * (`direct_lane.ts`).
 *
 * @module
 */

import type { Handler, Next } from "./pipeline.ts";
import type { Policy } from "./handlers/retry.ts";
import type { TokenSource } from "./tokens/source.ts";

/**
 * One client's pipeline: its handlers as {@linkcode runPipeline} takes them (`createFetch()` keeps a
 * pipeline of three or more handlers as its first and `compose()` of the rest), its redirect limit,
 * and its direct lane. The client's function holds this one record, not each part.
 */
export interface Pipeline {
  /** The first handler, if any. */
  head: Handler | undefined;
  /** The second, when there are exactly two. */
  second: Handler | undefined;
  /** What comes after them: the platform end, or the rest composed. */
  tail: Next;
  /** The most redirects followed for one call. */
  maxRedirects: number;
  /**
   * Whether the direct lane sends the calls it can take: `false` from the start for a pipeline it
   * cannot stand in for, `undefined` until the lane's code has loaded and looked at the handlers.
   */
  laned: boolean | undefined;
  /** The token source of the pipeline's `auth()`, once the lane has found it. */
  tokens: TokenSource | undefined;
  /** The policy of the pipeline's `retry()`, once the lane has found it. */
  policy: Policy | undefined;
}

/**
 * Runs a request through a pipeline: `head` with, as its `next`, `second` (called with `tail`) or
 * `tail`; without `head`, `tail` alone.
 *
 * @param request The request.
 * @param pipeline The pipeline.
 * @returns The response.
 */
export function runPipeline(request: Request, pipeline: Pipeline): Promise<Response> {
  const { head, second, tail } = pipeline;
  if (head === undefined) return tail(request);
  return head(request, second === undefined ? tail : (inner) => second(inner, tail));
}
