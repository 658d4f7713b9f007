/**
 * FNV-1a, 32-bit (Fowler–Noll–Vo): a byte-at-a-time hash cheap enough to
 * fold into a loop that already walks the bytes (the query parser, the rate
 * limiter's address key). Not for anything an attacker must not collide:
 * callers compare the full key on a hit.
 *
 * This module is browser compatible.
 * @module
 */

/** The FNV-1a offset basis: the hash of no bytes, where {@linkcode fnv1aStep} starts. */
export const FNV1A_START = 0x811c9dc5;

/**
 * Folds one byte (0–255, or a UTF-16 code unit) into a hash.
 *
 * @example
 * ```ts
 * import { FNV1A_START, fnv1aStep } from "./fnv1a.ts";
 * // FNV-1a("a") = 0xe40c292c
 * if ((fnv1aStep(FNV1A_START, 0x61) >>> 0) !== 0xe40c292c) throw new Error();
 * ```
 */
export function fnv1aStep(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193);
}
