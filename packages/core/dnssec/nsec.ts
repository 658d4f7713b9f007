/**
 * NSEC records for compact denial of existence (RFC 9824, "black lies"): the
 * signer makes one NSEC at the query name whose next name is the name's
 * immediate successor `\000.<name>`, so it covers nothing but the name itself
 * and gives no zone walk. Its type bitmap is the name's real types for NODATA
 * and `RRSIG NSEC NXNAME` for a name that does not exist (answered NOERROR,
 * RFC 9824 §3). We chose this over NSEC3 white lies: one NSEC and one
 * signature per negative answer, no hashing, and the same record proves
 * wildcard NODATA and the absence of DS at a delegation.
 *
 * This module is browser compatible.
 * @module
 */

import { LIMIT } from "../wire/constants.ts";
import { canonicalNameWire } from "./rrsig.ts";

/**
 * The type bitmap field of an NSEC (RFC 4034 §4.1.2): windows of up to 32
 * octets, the bit of each present type set.
 *
 * @example
 * ```ts
 * import { typeBitmap } from "./nsec.ts";
 * // A (1) and MX (15): window 0, 2 octets, 0x40 0x01
 * if (typeBitmap([1, 15]).join() !== "0,2,64,1") throw new Error();
 * ```
 */
export function typeBitmap(types: Iterable<number>): Uint8Array {
  // Every negative answer writes one: sized first, then filled, with no array per window.
  const sorted = Array.from(types).sort((a, b) => a - b);
  let size = 0;
  for (let i = 0; i < sorted.length;) {
    const last = windowEnd(sorted, i);
    size += 2 + ((sorted[last] & 0xff) >> 3) + 1;
    i = last + 1;
  }
  const out = new Uint8Array(size);
  let pos = 0;
  for (let i = 0; i < sorted.length;) {
    const last = windowEnd(sorted, i);
    const used = ((sorted[last] & 0xff) >> 3) + 1;
    out[pos] = sorted[i] >> 8;
    out[pos + 1] = used;
    for (let j = i; j <= last; j++) {
      const low = sorted[j] & 0xff;
      out[pos + 2 + (low >> 3)] |= 0x80 >> (low & 7); // a type listed twice sets its bit twice
    }
    pos += 2 + used;
    i = last + 1;
  }
  return out;
}

/** The index of the last type in `sorted` in the same 256-type window as `sorted[i]`. */
function windowEnd(sorted: readonly number[], i: number): number {
  const window = sorted[i] >> 8;
  while (i + 1 < sorted.length && sorted[i + 1] >> 8 === window) i++;
  return i;
}

/**
 * The RDATA of the black-lie NSEC at `owner`: next name `\000.<owner>`
 * (RFC 9824 §3 / RFC 4470 §3.1.1's immediate successor), then the bitmap.
 */
export function blackLieNsec(owner: string, types: Iterable<number>): Uint8Array {
  const ownerWire = canonicalNameWire(owner);
  const bitmap = typeBitmap(types);
  if (ownerWire.length + 2 > LIMIT.NAME) {
    // `\000.<owner>` would pass 255 octets: the successor is then the owner with the last
    // octet of its first label incremented (RFC 4471 §3.1.2.1's "maximal length" case); no
    // name can sit between them, since a longer one could not be encoded.
    const next = ownerWire.slice();
    const last = next[0];
    if (next[last] < 0xff) next[last]++;
    if (next[last] >= 0x41 && next[last] <= 0x5a) next[last] = 0x5b; // stay past upper case
    const out = new Uint8Array(next.length + bitmap.length);
    out.set(next);
    out.set(bitmap, next.length);
    return out;
  }
  const out = new Uint8Array(2 + ownerWire.length + bitmap.length);
  out[0] = 1; // one label of length 1: the octet 0
  out[1] = 0;
  out.set(ownerWire, 2);
  out.set(bitmap, 2 + ownerWire.length);
  return out;
}
