/**
 * The RFC 1034 §4.3.2 lookup inside one zone (step 3), the way NSD and
 * CoreDNS `plugin/file` do it:
 *
 * - a: the name exists → its RRsets of the type; a CNAME answers every other
 *   type and the lookup restarts at its target while that stays in the zone
 *   ({@link MAX_CNAME_CHAIN}, loops stop);
 * - b: a zone cut at or above the name → referral (`zone_cut.ts`), except DS
 *   at the cut itself, answered by the parent side (RFC 4035 §3.1.4.1); a
 *   DNAME above the name → the DNAME, a synthesized CNAME, and the lookup
 *   restarts at the new name (`dname.ts`, RFC 6672 §3.2);
 * - c: the name does not exist → wildcard synthesis (`wildcard.ts`), else
 *   NXDOMAIN with the SOA (RFC 2308 §2.1); an existing name without the type
 *   is NODATA with the SOA (RFC 2308 §2.2), also at the end of a chain, where
 *   the rcode is that of the last name (RFC 6604 §3).
 *
 * The common outcomes (one name's RRsets, NODATA, NXDOMAIN) come back as the
 * lean result kinds with no array built; chains, referrals and NS answers
 * with glue come back as `sections`.
 *
 * This module is browser compatible.
 * @module
 */

import { RCODE, TYPE } from "../wire/constants.ts";
import { isInZone } from "../wire/name.ts";
import { nameExists } from "./closest_encloser.ts";
import { cnameTarget, MAX_CNAME_CHAIN } from "./cname_chain.ts";
import { wildcardOwner } from "./wildcard.ts";
import { findDname, synthesizeCname } from "./dname.ts";
import { cutNs, findZoneCut, nsAddresses } from "./zone_cut.ts";
import {
  type IndexedRRset,
  type IndexedZone,
  liveCount,
  type LookupResult,
  type OwnedRRset,
  type SectionsResult,
} from "./zone_index.ts";

/**
 * The wildcard owner the current lookup synthesized the query name from
 * (module scratch instead of a per-lookup object: lookups are synchronous).
 */
let synthesizedFrom: string | undefined;

/**
 * Looks `qname` (canonical, inside `zone`) up for `qtype` at time `now`. A
 * result synthesized from a wildcard at the query name (RFC 4592) names the
 * wildcard owner in `wildcard`, so response rate limiting can key a flood of
 * random names under one wildcard as one name, as NSD does.
 */
export function resolveInZone(
  zone: IndexedZone,
  qname: string,
  qtype: number,
  now: number,
): LookupResult {
  synthesizedFrom = undefined;
  const result = resolveSteps(zone, qname, qtype, now);
  if (synthesizedFrom !== undefined && result.kind !== "refused") {
    result.wildcard = synthesizedFrom;
  }
  return result;
}

function resolveSteps(
  zone: IndexedZone,
  qname: string,
  qtype: number,
  now: number,
): LookupResult {
  // The common DMP miss (a zone without cuts, DNAMEs or wildcards, a name that does not
  // exist) is decided here with the two map reads the answer needs, before the general loop.
  if (zone.cuts.size === 0 && zone.dnames.size === 0 && zone.wildcards === 0) {
    if (
      qname !== zone.name && zone.nodes.get(qname) === undefined &&
      (zone.descendants.get(qname) ?? 0) === 0
    ) return { kind: "nxdomain", zone };
  }
  let name = qname;
  // CNAMEs followed so far; undefined until the first one (the common case builds nothing).
  let chain: OwnedRRset[] | undefined;
  for (let hop = 0;; hop++) {
    const cut = zone.cuts.size > 0 ? findZoneCut(zone, name) : undefined;
    if (zone.dnames.size > 0) {
      // A DNAME above the name redirects it, unless a cut sits higher still.
      const owner = findDname(zone, name);
      if (owner !== undefined && (cut === undefined || cut.length > owner.length)) {
        const dname = zone.nodes.get(owner)!.find((s) => s.type === TYPE.DNAME)!;
        const target = cnameTarget(dname, now);
        (chain ??= []).push({ owner, set: dname });
        if (target === undefined) return sections(zone, RCODE.NOERROR, chain, "none");
        const synth = synthesizeCname(name, owner, target, dname.records[0].ttl);
        if (!synth) return sections(zone, RCODE.YXDOMAIN, chain, "none");
        chain.push({ owner: name, set: synth.set });
        if (
          !isInZone(synth.name, zone.name) || hop + 1 >= MAX_CNAME_CHAIN ||
          chain.some((c) => c.owner === synth.name)
        ) {
          return sections(zone, RCODE.NOERROR, chain, "none");
        }
        name = synth.name;
        continue;
      }
    }
    if (cut !== undefined && !(cut === name && qtype === TYPE.DS)) {
      return referral(zone, cut, chain, now);
    }
    let node = liveNode(zone.nodes.get(name), now);
    if (node === undefined && zone.wildcards > 0 && !nameExists(zone, name)) {
      const owner = wildcardOwner(zone, name);
      node = owner === undefined ? undefined : liveNode(zone.nodes.get(owner), now);
      // Only the query name is the client's choice; names our CNAMEs lead to are not.
      if (node !== undefined && name === qname) synthesizedFrom = owner;
    }
    if (node === undefined) {
      // No live RRs here: it exists only as the apex or an empty non-terminal (RFC 8020).
      const exists = name === zone.name || (zone.descendants.get(name) ?? 0) > 0;
      if (name === zone.name && (qtype === TYPE.SOA || qtype === TYPE.ANY)) {
        return chain ? sections(zone, RCODE.NOERROR, chain, "answer") : answer(zone, []);
      }
      if (chain) return sections(zone, exists ? RCODE.NOERROR : RCODE.NXDOMAIN, chain, "authority");
      return exists ? { kind: "nodata", zone } : { kind: "nxdomain", zone };
    }
    const apex = name === zone.name;
    if (qtype === TYPE.ANY) {
      const live = liveSets(node, now);
      if (!chain) return answer(zone, live);
      for (const set of live) chain.push({ owner: name, set });
      return sections(zone, RCODE.NOERROR, chain, apex ? "answer" : "none");
    }
    if (qtype === TYPE.SOA && apex) {
      return chain ? sections(zone, RCODE.NOERROR, chain, "answer") : answer(zone, []);
    }
    let match: IndexedRRset | undefined;
    let cname: IndexedRRset | undefined;
    for (let i = 0; i < node.length; i++) {
      const set = node[i];
      if (now >= set.firstExpiry && liveCount(set, now) === 0) continue;
      if (set.type === qtype) match = set;
      else if (set.type === TYPE.CNAME) cname = set;
    }
    if (match) {
      if (qtype === TYPE.NS) {
        // RFC 1035 §3.3.11: an NS answer carries the servers' addresses (NSD does with
        // minimal-responses too).
        (chain ??= []).push({ owner: name, set: match });
        const result = sections(zone, RCODE.NOERROR, chain, "none");
        result.additional = nsAddresses(zone, match, now);
        return result;
      }
      if (!chain) return answer(zone, node.length === 1 ? node : [match]);
      chain.push({ owner: name, set: match });
      return sections(zone, RCODE.NOERROR, chain, "none");
    }
    if (cname) {
      (chain ??= []).push({ owner: name, set: cname });
      const target = cnameTarget(cname, now);
      // The chain stops at the zone edge (the resolver follows it), at a loop, and at the limit.
      if (
        target === undefined || !isInZone(target, zone.name) || hop + 1 >= MAX_CNAME_CHAIN ||
        chain.some((c) => c.owner === target)
      ) {
        return sections(zone, RCODE.NOERROR, chain, "none");
      }
      name = target;
      continue;
    }
    return chain ? sections(zone, RCODE.NOERROR, chain, "authority") : { kind: "nodata", zone };
  }
}

/** `node` if it has a live RR at `now`, else undefined (expired RRs are invisible). */
function liveNode(node: IndexedRRset[] | undefined, now: number): IndexedRRset[] | undefined {
  if (node === undefined) return undefined;
  for (let i = 0; i < node.length; i++) {
    if (now < node[i].firstExpiry || liveCount(node[i], now) > 0) return node;
  }
  return undefined;
}

/** The RRsets of `node` with a live RR (the node itself when all have one). */
function liveSets(node: IndexedRRset[], now: number): IndexedRRset[] {
  const live = node.filter((s) => now < s.firstExpiry || liveCount(s, now) > 0);
  return live.length === node.length ? node : live;
}

function answer(zone: IndexedZone, rrsets: readonly IndexedRRset[]): LookupResult {
  return { kind: "answer", zone, rrsets };
}

function sections(
  zone: IndexedZone,
  rcode: number,
  answer: OwnedRRset[],
  soa: SectionsResult["soa"],
): SectionsResult {
  return { kind: "sections", zone, rcode, aa: true, answer, soa, authority: [], additional: [] };
}

/**
 * A referral to the servers of `cut` (RFC 1034 §4.3.2 step 3.b). AA stays set
 * when CNAMEs of ours led there: the answer's first owner is ours (RFC 1035
 * §4.1.1; NSD does the same).
 */
function referral(
  zone: IndexedZone,
  cut: string,
  chain: OwnedRRset[] | undefined,
  now: number,
): SectionsResult {
  const ns = cutNs(zone, cut)!;
  const result = sections(zone, RCODE.NOERROR, chain ?? [], "none");
  result.aa = chain !== undefined;
  result.cut = cut;
  result.authority = [{ owner: cut, set: ns }];
  result.additional = nsAddresses(zone, ns, now);
  return result;
}
