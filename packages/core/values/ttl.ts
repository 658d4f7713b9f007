/**
 * The one TTL parser (issue 10): master files, the CLI's `--ttl` and the
 * bounds the operator API and env apply to TTLs.
 *
 * A TTL is plain seconds or BIND-style unit groups (`1h30m`, `2d`, `1w`;
 * units w/d/h/m/s, case-insensitive), at most 2^31-1 seconds (RFC 2181 §8:
 * larger values are treated as zero by receivers, so we refuse them rather
 * than serve something other than what was asked).
 *
 * This module is browser compatible.
 * @module
 */

/** Largest TTL in seconds (RFC 2181 §8). */
export const MAX_TTL = 2147483647;

/** What a TTL field expects; boundaries append it to the field name. */
export const TTL_EXPECTED =
  `expected a TTL: seconds (0-${MAX_TTL}) or a duration like 1h30m (units w, d, h, m, s)`;

const UNITS: Readonly<Record<string, number>> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };

/**
 * Reads the TTL syntax (seconds, or unit groups) without the upper bound;
 * null when the text is not TTL syntax. Callers that report "too large"
 * separately from "not a TTL" (the master-file parser) use this and compare
 * with {@linkcode MAX_TTL}; everyone else uses {@linkcode parseTtl}.
 *
 * @param text the TTL text (not trimmed)
 * @returns seconds (possibly above {@linkcode MAX_TTL}, possibly Infinity), or null
 *
 * @example
 * ```ts
 * import { readTtlSyntax } from "./ttl.ts";
 * if (readTtlSyntax("2w") !== 1209600 || readTtlSyntax("2 w") !== null) throw new Error();
 * ```
 */
export function readTtlSyntax(text: string): number | null {
  if (/^[0-9]+$/.test(text)) return Number(text);
  if (!/^([0-9]+[wdhms])+$/i.test(text)) return null;
  let seconds = 0;
  for (const m of text.matchAll(/([0-9]+)([wdhms])/gi)) {
    seconds += Number(m[1]) * UNITS[m[2].toLowerCase()];
  }
  return seconds;
}

/**
 * Parses a TTL text into seconds; null when it is not a TTL or exceeds
 * {@linkcode MAX_TTL}.
 *
 * @param text the TTL text (not trimmed)
 * @returns seconds, or null
 *
 * @example
 * ```ts
 * import { parseTtl } from "./ttl.ts";
 * if (parseTtl("1h30m") !== 5400 || parseTtl("abc") !== null) throw new Error();
 * ```
 */
export function parseTtl(text: string): number | null {
  const seconds = readTtlSyntax(text);
  return seconds !== null && seconds <= MAX_TTL ? seconds : null;
}

/**
 * True when `n` is a whole number of seconds a TTL field may hold.
 *
 * @param n the value
 * @returns whether it is an integer in 0..{@linkcode MAX_TTL}
 *
 * @example
 * ```ts
 * import { isTtlSeconds } from "./ttl.ts";
 * if (!isTtlSeconds(60) || isTtlSeconds(2 ** 31) || isTtlSeconds(1.5)) throw new Error();
 * ```
 */
export function isTtlSeconds(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_TTL;
}
