/**
 * Canonical DNS name order (RFC 4034 §6.1): names sorted as their label
 * sequences read right to left, each label compared as a left-justified
 * unsigned octet string with upper case folded to lower; a name sorts
 * before every name below it. The order of an NSEC chain.
 *
 * This module is browser compatible.
 * @module
 */

/**
 * Compares two canonical text names (lower case, no trailing dot, no escapes:
 * owners are validated that way on the way in); negative when `a` sorts first.
 *
 * @example
 * ```ts
 * import { compareCanonicalNames } from "./canonical_order.ts";
 * // RFC 4034 §6.1's example order: example < a.example < yljkjljk.a.example < Z.a.example < zABC.a.EXAMPLE < z.example
 * const names = ["z.example", "a.example", "example", "zabc.a.example", "z.a.example", "yljkjljk.a.example"];
 * if (names.sort(compareCanonicalNames).join() !== "example,a.example,yljkjljk.a.example,z.a.example,zabc.a.example,z.example") throw new Error();
 * ```
 */
export function compareCanonicalNames(a: string, b: string): number {
  if (a === b) return 0;
  const la = a === "" ? [] : a.split(".");
  const lb = b === "" ? [] : b.split(".");
  for (let i = la.length - 1, j = lb.length - 1; i >= 0 && j >= 0; i--, j--) {
    const x = la[i];
    const y = lb[j];
    if (x === y) continue;
    // ASCII only, so UTF-16 code units are the label's octets.
    return x < y ? -1 : 1;
  }
  return la.length - lb.length;
}
