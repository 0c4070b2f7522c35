/**
 * Which token sources sign in from a resource's own challenge (`protectedResource()`): `auth()` tells
 * them apart here, and loads how it talks to them (`step_up.ts`) only when it meets one.
 *
 * @module
 */

import type { TokenSource } from "../tokens/source.ts";
import type { Token } from "../tokens/token.ts";

/** A token source that can sign in from a challenge (see `protectedResource()`). */
export interface ChallengeTokenSource extends TokenSource {
  /** `true` when the source's tokens may go to `url`. */
  appliesTo(url: string | URL): boolean;
  /** A token when one is available without signing in; `undefined` otherwise. */
  peekToken(options?: { signal?: AbortSignal }): Promise<Token | undefined>;
}

/**
 * `true` when `tokens` signs in from challenges.
 *
 * @param tokens A token source.
 * @returns Whether it is a {@linkcode ChallengeTokenSource}.
 */
export function isChallengeTokenSource(tokens: TokenSource): tokens is ChallengeTokenSource {
  const candidate = tokens as Partial<ChallengeTokenSource>;
  return typeof candidate.peekToken === "function" && typeof candidate.appliesTo === "function";
}
