/**
 * Running a request through a pipeline's handlers, shared by `createFetch()` (`pipeline.ts`) and its
 * direct lane (`direct_lane.ts`).
 *
 * @module
 */

import type { Handler, Next } from "./pipeline.ts";

/**
 * Runs a request through a pipeline: `head` with, as its `next`, `second` (called with `tail`) or
 * `tail`; without `head`, `tail` alone. (`createFetch()` keeps a pipeline of three or more handlers as
 * its first and `compose()` of the rest.)
 *
 * @param request The request.
 * @param head The first handler.
 * @param second The second, when there are exactly two.
 * @param tail What comes after them.
 * @returns The response.
 */
export function runPipeline(
  request: Request,
  head: Handler | undefined,
  second: Handler | undefined,
  tail: Next,
): Promise<Response> {
  if (head === undefined) return tail(request);
  return head(request, second === undefined ? tail : (inner) => second(inner, tail));
}
