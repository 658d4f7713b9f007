/**
 * Zone cuts (RFC 1034 §4.2.1, §4.3.2 step 3.b): an NS RRset below the apex
 * delegates its name and everything under it. A query at or below a cut is
 * answered with a referral: no AA, the cut's NS RRset in authority and the
 * addresses of its in-zone name servers in additional (glue, RFC 9471 §2).
 * The one exception is DS at the cut itself, which the parent side answers
 * (RFC 4035 §3.1.4.1).
 *
 * This module is browser compatible.
 * @module
 */

import { TYPE } from "../wire/constants.ts";
import { isInZone } from "../wire/name.ts";
import { rdataName } from "./cname_chain.ts";
import {
  type IndexedRRset,
  type IndexedZone,
  isLive,
  liveCount,
  type OwnedRRset,
} from "./zone_index.ts";

/**
 * The highest zone cut at or above `name` (never the apex), or undefined.
 * The highest, because a cut hides everything below it, lower cuts included.
 */
export function findZoneCut(z: IndexedZone, name: string): string | undefined {
  if (z.cuts.size === 0) return undefined;
  let found: string | undefined;
  let n = name;
  while (n.length > z.name.length) {
    if (z.cuts.has(n)) found = n;
    const dot = n.indexOf(".");
    if (dot < 0) break;
    n = n.slice(dot + 1);
  }
  return found;
}

/** The NS RRset at cut `cut` of `z`. */
export function cutNs(z: IndexedZone, cut: string): IndexedRRset | undefined {
  return z.nodes.get(cut)?.find((s) => s.type === TYPE.NS);
}

/**
 * Addresses (A, then AAAA) of the name servers of an NS RRset whose names lie
 * in zone `z`, each once: glue for a referral, the additional section of an
 * NS answer (RFC 1035 §3.3.11, RFC 9471). Out-of-zone names get none: we are
 * not authoritative for them.
 */
export function nsAddresses(z: IndexedZone, ns: IndexedRRset, now: number): OwnedRRset[] {
  const out: OwnedRRset[] = [];
  const seen = new Set<string>();
  for (const r of ns.records) {
    if (!isLive(r, now)) continue;
    const target = rdataName(ns, r);
    if (target === undefined || !isInZone(target, z.name) || seen.has(target)) continue;
    seen.add(target);
    const node = z.nodes.get(target);
    if (!node) continue;
    for (const type of [TYPE.A, TYPE.AAAA]) {
      const set = node.find((s) => s.type === type);
      if (set && liveCount(set, now) > 0) out.push({ owner: target, set });
    }
  }
  return out;
}
