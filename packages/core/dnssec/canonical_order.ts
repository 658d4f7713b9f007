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
 * A string that sorts (with `<`) in canonical order: the name's labels right
 * to left, each followed by NUL, which sorts below every octet of a label
 * (a label that is a prefix of another sorts first). Names are canonical
 * text: lower case, no trailing dot, no escapes (owners are validated that
 * way on the way in), ASCII, so UTF-16 code units are the label's octets.
 *
 * @example
 * ```ts
 * import { canonicalSortKey } from "./canonical_order.ts";
 * if (!(canonicalSortKey("z.a.example") < canonicalSortKey("b.example"))) throw new Error();
 * ```
 */
export function canonicalSortKey(name: string): string {
  if (name === "") return "";
  return name.split(".").reverse().join("\0") + "\0";
}

/**
 * `names` in canonical order, each key made once.
 *
 * @example
 * ```ts
 * import { sortCanonical } from "./canonical_order.ts";
 * // RFC 4034 §6.1's example (lower-cased)
 * const names = ["z.example", "a.example", "example", "zabc.a.example", "z.a.example", "yljkjljk.a.example"];
 * if (sortCanonical(names).join() !== "example,a.example,yljkjljk.a.example,z.a.example,zabc.a.example,z.example") throw new Error();
 * ```
 */
export function sortCanonical(names: Iterable<string>): string[] {
  return [...names]
    .map((name) => [canonicalSortKey(name), name])
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([, name]) => name);
}
