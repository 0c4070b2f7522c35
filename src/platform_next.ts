/**
 * The last step of every pipeline: the platform `fetch`. Its errors are cleaned of the request's URL
 * query, user info and credentials by `platform_error.ts`, loaded when a send first fails.
 *
 * @module
 */

import type { Fetch, Next } from "./pipeline.ts";

/**
 * The innermost {@linkcode Next}: the platform fetch, whose errors are cleaned (`cleanError()`) of the
 * request's URL query, user info and credentials. The caller's own abort reason is passed on as it is.
 *
 * @param platform The platform fetch.
 * @returns The innermost {@linkcode Next}.
 */
export function platformNext(platform: Fetch): Next {
  return (request) => {
    const clean = async (error: unknown): Promise<never> => {
      if (request.signal.aborted && error === request.signal.reason) throw error;
      throw (await import("./lazy.ts")).cleanSendError(error, request);
    };
    try {
      return platform(request).then(undefined, clean);
    } catch (error) {
      return clean(error);
    }
  };
}
