/**
 * CNAME chains (RFC 1034 §3.6.2, §4.3.2 step 3.a): the answer restarts at
 * the canonical name while it stays in the zone, with a limit on the chain
 * length and a stop at a name already in the chain (a loop).
 *
 * This module is browser compatible.
 * @module
 */

import { POINTER_RR } from "../wire/constants.ts";
import { decodeName } from "../wire/name.ts";
import { type IndexedRecord, type IndexedRRset, isLive } from "./zone_index.ts";

/** CNAMEs followed in one answer at most (BIND and Knot stop at 16 or fewer too). */
export const MAX_CNAME_CHAIN = 16;

/**
 * The domain name in the RDATA of RR `r` of `set` (NS, CNAME: the RDATA is
 * one uncompressed name, RFC 1035 §3.3), canonical; undefined if malformed.
 */
export function rdataName(set: IndexedRRset, r: IndexedRecord): string | undefined {
  const decoded = decodeName(set.wire, r.offset + POINTER_RR.HEADER_BYTES);
  return decoded.ok ? decoded.name.toLowerCase() : undefined;
}

/** The target of a CNAME RRset's first live RR (a CNAME RRset holds one RR, RFC 2181 §10.1). */
export function cnameTarget(set: IndexedRRset, now: number): string | undefined {
  for (const r of set.records) if (isLive(r, now)) return rdataName(set, r);
  return undefined;
}
