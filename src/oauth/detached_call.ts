/**
 * The error of a grant method called detached from its grant, loaded when one is.
 *
 * @module
 */

/**
 * A grant's method was called without its grant (`const { token } = grant; token()`).
 *
 * @param method The method's name.
 * @returns The error to reject with.
 */
export function detachedCallError(method: string): TypeError {
  return new TypeError(
    `Cannot call ${method}(): call it on its grant (grant.${method}()), not detached from it`,
  );
}
