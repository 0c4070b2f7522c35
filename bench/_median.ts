/**
 * The median that `bench/compare.ts` and the instruction benches report.
 *
 * @module
 */

/**
 * The median of some numbers: the middle one, or the mean of the two middle ones.
 *
 * @param xs The numbers (not changed).
 * @returns Their median.
 */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
