/**
 * Constant-time comparison of secrets (tokens, MACs): the time taken depends
 * only on the lengths, never on where the inputs first differ.
 *
 * This module is browser compatible.
 * @module
 */

const encoder = new TextEncoder();

/**
 * Compares two byte arrays or strings in constant time.
 *
 * @example
 * ```ts
 * import { timingSafeEqual } from "./timing_safe_equal.ts";
 * if (!timingSafeEqual("abc", "abc") || timingSafeEqual("abc", "abd")) throw new Error();
 * ```
 */
export function timingSafeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const x = typeof a === "string" ? encoder.encode(a) : a;
  const y = typeof b === "string" ? encoder.encode(b) : b;
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i % (x.length || 1)] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}
