/**
 * Bounds on lifetimes: seconds from now until something expires (record
 * lifetimes, token and key validity). Issue 12 finding 8: an unbounded
 * `lifetime: 9007199254740991` was stored as an `expires_at` past 2^53, which
 * no reader can turn back into a JavaScript number, and every node's sync
 * failed. With this bound `now + lifetime` stays below 2^33, far inside both
 * 2^53 and SQLite's 64-bit integers. Past 68 years, "never" (0) is the honest
 * value.
 *
 * This module is browser compatible.
 * @module
 */

/** Longest lifetime in seconds (2^31-1, about 68 years; the TTL ceiling of RFC 2181 §8). */
export const MAX_LIFETIME_SECONDS = 2147483647;

/** What a lifetime field expects; boundaries append it to the field name. */
export const LIFETIME_EXPECTED =
  `expected whole seconds from 0 to ${MAX_LIFETIME_SECONDS} (0 = never expires)`;

/**
 * True when `n` is a lifetime a write may ask for.
 *
 * @param n the value
 * @returns whether it is an integer in 0..{@linkcode MAX_LIFETIME_SECONDS}
 *
 * @example
 * ```ts
 * import { isLifetimeSeconds } from "./lifetime.ts";
 * if (!isLifetimeSeconds(3600) || isLifetimeSeconds(9007199254740991)) throw new Error();
 * ```
 */
export function isLifetimeSeconds(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_LIFETIME_SECONDS;
}
