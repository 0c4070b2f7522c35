/**
 * Shared settings and checks for the property-based tests.
 *
 * @module
 */

import fc from "npm:fast-check@^4.3.0";
import { AuthFetchError } from "../../mod.ts";

/** Cases per property: `FUZZ_RUNS` (`deno task fuzz` sets 20000), 200 by default. */
export const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 200);

/** fast-check parameters for every property. */
export const PARAMS: fc.Parameters<unknown> = { numRuns: RUNS, endOnFailure: true };

/** A planted secret: distinctive, so any 10-character window of it is a leak. */
export function canary(label: string, n: number): string {
  return `Zq${label}${n.toString(36)}x7Kp9Wm2Rt4Lb8`;
}

/** Secret-like strings to plant. */
export const canaryArb: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom("AT", "RT", "ID", "CS", "PW", "CD", "CV", "AS"),
  fc.nat(1_000_000),
).map(([label, n]) => canary(label, n));

/** Every text an error exposes: message, String(), JSON form, stack, and the same for its causes. */
export function errorTexts(error: unknown): string[] {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      texts.push(current.message, String(current), current.stack ?? "");
      try {
        texts.push(JSON.stringify(current));
      } catch {
        texts.push("<unserialisable>");
      }
      current = (current as { cause?: unknown }).cause;
    } else {
      texts.push(String(current));
      break;
    }
  }
  return texts;
}

/** The first window (10 characters or more) of any canary found in `texts`, or undefined. */
export function findLeak(texts: string[], canaries: string[]): string | undefined {
  for (const secret of canaries) {
    for (let i = 0; i + 10 <= secret.length; i++) {
      const window = secret.slice(i, i + 10);
      for (const text of texts) if (text.includes(window)) return `${secret} in ${text}`;
    }
  }
  return undefined;
}

/**
 * Asserts that `error` is one of `allowed` (by class) and carries no canary.
 *
 * @returns a problem description, or undefined when all is well
 */
export function badError(
  error: unknown,
  allowed: ReadonlyArray<abstract new (...args: never[]) => Error>,
  canaries: string[],
): string | undefined {
  if (!allowed.some((c) => error instanceof c)) {
    return `undocumented error: ${(error as Error)?.name}: ${(error as Error)?.message}\n${
      (error as Error)?.stack
    }`;
  }
  const leak = findLeak(errorTexts(error), canaries);
  if (leak !== undefined) return `secret leaked: ${leak}`;
  if (error instanceof AuthFetchError && typeof error.code !== "string") return "no code";
  return undefined;
}

/** Collects every canary string found anywhere in a value. */
export function canariesIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") {
    const m = value.match(/Zq[A-Z]{2}[0-9a-z]+x7Kp9Wm2Rt4Lb8/g);
    if (m) out.push(...m);
  } else if (Array.isArray(value)) { for (const v of value) canariesIn(v, out); }
  else if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) canariesIn(v, out);
  }
  return out;
}
