/**
 * Constant-time comparison of MACs (RFC 8945 §5.2.2 compares the received
 * MAC with the computed one; doing it in data-independent time keeps the MAC
 * from leaking byte by byte through timing).
 *
 * This module is browser compatible.
 * @module
 */

/**
 * True when `received` equals the first `received.length` octets of
 * `expected`, compared without early exit. Lengths are not secret: a
 * `received` longer than `expected` is false at once.
 *
 * @example
 * ```ts
 * import { macPrefixEquals } from "./constant_time.ts";
 * if (!macPrefixEquals(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))) throw new Error();
 * ```
 */
export function macPrefixEquals(received: Uint8Array, expected: Uint8Array): boolean {
  if (received.length > expected.length) return false;
  let diff = 0;
  for (let i = 0; i < received.length; i++) diff |= received[i] ^ expected[i];
  return diff === 0;
}
