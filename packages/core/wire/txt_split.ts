/**
 * Where a TXT RDATA's character-strings begin and end (RFC 1035 §3.3.14).
 *
 * The store keeps a TXT value as its joined UTF-8 text (what DMP reads and
 * compares, brief §1.3) and, beside it, the split: "" for the canonical one
 * (255-byte strings, the last shorter: what every DMP writer sends and what
 * {@linkcode encodeTxtRdata} produces), else the byte length of each string,
 * comma-separated ("9,8" for `"part one " "part two"`). So an operator's
 * multi-string TXT is served back string for string, and values stored
 * before the split was kept read as they always did.
 *
 * This module is browser compatible.
 * @module
 */

import { decodeTxtStrings, encodeTxtRdata } from "./rdata.ts";

const encoder = new TextEncoder();

/**
 * The split of TXT RDATA: "" when canonical (or malformed), else the string lengths.
 *
 * @example
 * ```ts
 * import { txtSplitOf } from "./txt_split.ts";
 * if (txtSplitOf(new Uint8Array([1, 97, 1, 98])) !== "1,1") throw new Error();
 * if (txtSplitOf(new Uint8Array([2, 97, 98])) !== "") throw new Error();
 * ```
 */
export function txtSplitOf(rdata: Uint8Array): string {
  const strings = decodeTxtStrings(rdata);
  if (!strings || strings.length === 0) return "";
  return txtSplitOfLengths(strings.map((s) => s.length));
}

/**
 * The split of TXT character-strings of these octet lengths: "" when canonical, else the
 * lengths comma-separated.
 *
 * @example
 * ```ts
 * import { txtSplitOfLengths } from "./txt_split.ts";
 * if (txtSplitOfLengths([255, 3]) !== "") throw new Error();
 * if (txtSplitOfLengths([9, 8]) !== "9,8") throw new Error();
 * ```
 */
export function txtSplitOfLengths(lengths: readonly number[]): string {
  if (lengths.length === 0) return "";
  const total = lengths.reduce((n, l) => n + l, 0);
  const canonical = lengths.every((l, i) =>
    i === lengths.length - 1 ? l === total - 255 * i : l === 255
  );
  return canonical ? "" : lengths.join(",");
}

/**
 * Encodes a TXT value with its split; a split that does not fit the value
 * (lengths over 255 or not adding up) falls back to the canonical one, so a
 * stored value is always served.
 *
 * @example
 * ```ts
 * import { encodeTxtRdataSplit } from "./txt_split.ts";
 * const r = encodeTxtRdataSplit("ab", "1,1");
 * if (r.join() !== "1,97,1,98") throw new Error();
 * ```
 */
export function encodeTxtRdataSplit(value: string, split: string): Uint8Array {
  if (split === "") return encodeTxtRdata(value);
  const bytes = encoder.encode(value);
  const lengths = split.split(",").map(Number);
  const sum = lengths.reduce((n, l) => n + l, 0);
  if (sum !== bytes.length || lengths.some((l) => !Number.isInteger(l) || l < 0 || l > 255)) {
    return encodeTxtRdata(value);
  }
  const out = new Uint8Array(bytes.length + lengths.length);
  let from = 0;
  let o = 0;
  for (const l of lengths) {
    out[o++] = l;
    out.set(bytes.subarray(from, from + l), o);
    o += l;
    from += l;
  }
  return out;
}
