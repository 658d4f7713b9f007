/**
 * Reading integer columns so that one bad row can never fail a read. libSQL
 * refuses to turn an integer past 2^53 into a JavaScript number ("cannot be
 * safely represented as a JavaScript number"), and it does so for the whole
 * result: one such `expires_at`, written by an unbounded `lifetime` before
 * writes were bounded (issue 12 #8), made every sync of every node throw.
 * Reads clamp in SQL instead; a clamped expiry is still centuries away.
 *
 * This module is browser compatible.
 * @module
 */

/**
 * A select-list item reading `column` clamped to `[min, max]` (default: the
 * safe-integer range), under its own name (NULL stays NULL).
 *
 * @param column the column name (a trusted identifier, never user input)
 * @param range narrower bounds, e.g. a TTL's 0..2^31-1 (RFC 2181 §8)
 * @returns SQL such as `MAX(MIN(expires_at, …), -…) AS expires_at`
 *
 * @example
 * ```ts
 * import { safeIntegerColumn } from "./safe_integer_column.ts";
 * if (!safeIntegerColumn("ttl").endsWith(" AS ttl")) throw new Error();
 * ```
 */
export function safeIntegerColumn(
  column: string,
  range: { min: number; max: number } = {
    min: -Number.MAX_SAFE_INTEGER,
    max: Number.MAX_SAFE_INTEGER,
  },
): string {
  return `MAX(MIN(${column}, ${range.max}), ${range.min}) AS ${column}`;
}
