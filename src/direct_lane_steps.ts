/**
 * What `createFetch()`'s direct lane (`direct_lane.ts`) hands to the handlers' own code: an answer that
 * needs `auth()`'s refresh, `retry()` or a redirect followed, and a send that failed. Each is given the
 * `Request` the pipeline would have had at that point. Loaded (through `lazy.ts`) with the first call
 * that needs it.
 *
 * @module
 */

import type { Call } from "./direct_lane.ts";
import { refreshRejected } from "./handlers/refresh_on_401.ts";
import { retriesAnswer, retriesFailure, retriesMethod } from "./handlers/retry.ts";
import { retryFrom } from "./handlers/retry_loop.ts";
import type { Next } from "./pipeline.ts";
import { type Pipeline, runPipeline } from "./pipeline_run.ts";
import { cleanSendError } from "./platform_error.ts";
import { followRedirects } from "./redirect.ts";
import { pipelineRequest, REDIRECT } from "./request_source.ts";

/** A call sent by the lane, for the steps that follow its answer. */
export interface LaneStep {
  pipeline: Pipeline;
  call: Call;
  target: string | URL;
  init: RequestInit | undefined;
  /** The `Authorization` value sent, when `auth()` attached one. */
  header: string | undefined;
  /** The pipeline's request, once one is needed. */
  request?: Request;
}

/** The request the pipeline would have had when it sent: its own, with `auth()`'s header set. */
function requestOf(step: LaneStep): Request {
  if (step.request === undefined) {
    step.request = pipelineRequest(step.target, step.init);
    if (step.header !== undefined) step.request.headers.set("authorization", step.header);
  }
  return step.request;
}

/** `retry()`'s `next`: `auth()` and the platform end. */
function retried(step: LaneStep): Next {
  const auth = step.pipeline.second!;
  const tail = step.pipeline.tail;
  return (request) => auth(request, tail);
}

/** Whether `retry()` would retry this call at all. */
function retries(step: LaneStep): boolean {
  const policy = step.pipeline.policy;
  return policy !== undefined && retriesMethod(policy, step.call.method ?? "GET");
}

/**
 * What the pipeline does with an answer the lane got: `auth()` refreshes and replays on a 401 for the
 * token it sent, `retry()` retries a retryable status, `createFetch()` follows a redirect.
 */
export async function laneAnswered(
  step: LaneStep,
  response: Response,
  sentToken: string | undefined,
): Promise<Response> {
  if (sentToken !== undefined && response.status === 401) {
    response = await refreshRejected(
      step.pipeline.tokens!,
      requestOf(step),
      step.pipeline.tail,
      sentToken,
      response,
    );
  }
  if (retries(step) && retriesAnswer(step.pipeline.policy!, response, step.call.signal)) {
    response = await retryFrom(
      step.pipeline.policy!,
      requestOf(step),
      retried(step),
      response,
      undefined,
    );
  }
  return follow(step, response);
}

/**
 * What the pipeline does when the lane's send fails: the platform end cleans the error (the caller's
 * own abort reason passes as it is), `retry()` retries a network error.
 */
export async function laneFailed(step: LaneStep, error: unknown): Promise<Response> {
  const signal = step.call.signal;
  if (signal !== undefined && signal.aborted && error === signal.reason) throw error;
  // A request the platform refused to build (a URL that does not parse) fails here as it would have in
  // the pipeline, before anything was sent.
  const request = requestOf(step);
  const cleaned = cleanSendError(error, request);
  if (!retries(step) || !retriesFailure(step.pipeline.policy!, cleaned, signal)) throw cleaned;
  const response = await retryFrom(
    step.pipeline.policy!,
    request,
    retried(step),
    undefined,
    cleaned,
  );
  return follow(step, response);
}

/** `createFetch()`'s redirect step: a redirect is followed by hand, every hop through the handlers. */
function follow(step: LaneStep, response: Response): Promise<Response> | Response {
  if (!REDIRECT.has(response.status)) return response;
  const pipeline = step.pipeline;
  return followRedirects(
    requestOf(step),
    response,
    "follow",
    pipeline.maxRedirects,
    (hop) => runPipeline(hop, pipeline),
  );
}
