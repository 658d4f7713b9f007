/**
 * A seeded pseudo-random generator (mulberry32) for tests and benchmarks:
 * small, fast, and the same sequence on every run, so a corpus or a dataset
 * is reproducible from its seed. Not for anything secret.
 *
 * @module
 */

/**
 * Returns a generator of numbers in [0, 1) determined by `seed`.
 *
 * @example
 * ```ts
 * import { seededRandom } from "./seeded_random.ts";
 * const a = seededRandom(7), b = seededRandom(7);
 * if (a() !== b()) throw new Error();
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
