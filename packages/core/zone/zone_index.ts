/**
 * The in-memory zone index the DNS hot path answers from: per zone, its SOA
 * and a map of owner name → RRsets, each pre-encoded as answer-section bytes
 * (a whole zone read from one zone image, `zone_image.ts`, whose bytes the
 * RRsets view), plus a count of descendants per
 * empty non-terminal. It is filled from the store and patched
 * name by name from the change journal, so queries never wait on SQLite.
 *
 * This module is browser compatible.
 * @module
 */

import { POINTER_RR, TYPE } from "../wire/constants.ts";
import { isInZone } from "../wire/name.ts";
import { AnswerTable } from "./answer_table.ts";
import { resolveInZone } from "./lookup.ts";
import { isWildcardOwner } from "./wildcard.ts";
import { findZoneCut } from "./zone_cut.ts";
import { findDname } from "./dname.ts";
import { encodeSoaRdata, type SoaFields } from "../wire/rdata.ts";
import {
  encodeZoneImage,
  readZoneImage,
  type ZoneImage,
  zoneImageHasType,
  zoneImageOwners,
} from "./zone_image.ts";
import type { StoredRecord, StoredZone } from "../store/records.ts";

/** Types that put names below their owner out of the zone's answers: cuts and DNAMEs. */
const REDIRECT_TYPES: readonly number[] = [TYPE.NS, TYPE.DNAME];

/** One RR of an RRset: where it sits in the RRset's wire form, its TTL and absolute expiry. */
export interface IndexedRecord {
  /** offset of the RR inside {@linkcode IndexedRRset.wire} */
  offset: number;
  ttl: number;
  /** seconds since the epoch; 0 = never */
  expiresAt: number;
}

/**
 * One RRset, pre-encoded as it goes into an answer section: every RR back to
 * back with its owner as a pointer to the question name (C0 0C, RFC 1035
 * §4.1.4; answers always echo the question at offset 12), type, class IN,
 * its own TTL, RDLENGTH and RDATA. Answering is one copy, plus a TTL patch
 * for RRs that expire.
 */
export interface IndexedRRset {
  readonly type: number;
  /**
   * The RRs' bytes. An RRset of a loaded zone makes a fresh view of the zone
   * image on each read (`zone_image.ts`): read it once per use, not in a loop.
   */
  readonly wire: Uint8Array;
  /** RRs in publish order */
  readonly records: readonly IndexedRecord[];
  /** some RR has an expiry: its TTL is computed per answer */
  readonly expiring: boolean;
  /** earliest expiry among the RRs (Infinity when none): before it, every RR is live */
  readonly firstExpiry: number;
}

/** One zone: apex, SOA and names. */
export interface IndexedZone {
  name: string;
  /** labels in the apex name (0 for the root) */
  labelCount: number;
  soa: SoaFields;
  /** SOA RDATA encoded once per SOA change (negative answers need it on every query) */
  soaRdata: Uint8Array;
  /** owner → its RRsets, in order of first publication */
  nodes: Map<string, IndexedRRset[]>;
  /** empty-non-terminal name → number of owners strictly below it */
  descendants: Map<string, number>;
  /**
   * Owners below the apex that hold an NS RRset: zone cuts (RFC 1034 §4.2.1).
   * Empty in a zone without delegations, which then never walks ancestors.
   */
  cuts: Set<string>;
  /** Owners that hold a DNAME RRset (RFC 6672); empty in most zones. */
  dnames: Set<string>;
  /** Owners whose first label is `*` (RFC 4592 §2.1.1); 0 = no synthesis to try. */
  wildcards: number;
}

/** An RRset with the owner it is answered under (names other than the question's). */
export interface OwnedRRset {
  /** canonical owner name */
  owner: string;
  set: IndexedRRset;
}

/** Result of {@linkcode ZoneIndex.lookup}; named after the RFC outcomes. */
export type LookupResult =
  | { kind: "refused" }
  | {
    kind: "answer";
    zone: IndexedZone;
    rrsets: readonly IndexedRRset[];
    /** the wildcard owner the answer was synthesized from (RFC 4592), if any */
    wildcard?: string;
  }
  | {
    kind: "nodata";
    zone: IndexedZone;
    /** the wildcard owner matched (wildcard NODATA), if any */
    wildcard?: string;
  }
  | { kind: "nxdomain"; zone: IndexedZone; wildcard?: string }
  | SectionsResult;

/**
 * A response that needs more than "the question's RRsets or the SOA": a CNAME
 * chain (RFC 1034 §4.3.2 step 3.a), a referral (step 3.b), glue (RFC 9471).
 */
export interface SectionsResult {
  kind: "sections";
  zone: IndexedZone;
  rcode: number;
  /** false for a referral answered without any CNAME of ours before it */
  aa: boolean;
  answer: OwnedRRset[];
  /** where the zone SOA goes: after the answer (SOA query at the end of a chain), or in authority (RFC 2308 §2) */
  soa: "none" | "answer" | "authority";
  authority: OwnedRRset[];
  additional: OwnedRRset[];
  /** a referral: the delegation point (zone cut) it refers to */
  cut?: string;
  /** the wildcard owner the query name was synthesized from, if any */
  wildcard?: string;
}

/** Builds the SOA of a zone, synthesizing MNAME/RNAME when not configured (brief §8.1 item 4). */
export function zoneSoa(zone: StoredZone, firstNs: string | undefined): SoaFields {
  return {
    mname: zone.soaMname || firstNs || zone.name,
    rname: zone.soaRname || `hostmaster.${zone.name}`,
    serial: zone.serial >>> 0,
    refresh: zone.soaRefresh,
    retry: zone.soaRetry,
    expire: zone.soaExpire,
    minimum: zone.soaMinimum,
  };
}

/** The index of every served zone. */
export class ZoneIndex {
  #zones = new Map<string, IndexedZone>();
  /** most labels in any apex served (an upper bound: not lowered on removal) */
  #maxLabels = 0;
  #answers = new AnswerTable();
  /** some apex is under another: the answer table cannot know a name's closest zone */
  #nested = false;
  #generation = 0;

  /**
   * Moves on every change of what is served (a zone replaced, removed, its
   * SOA or some of its names changed): whatever is derived from the index
   * outside it (the signed-answer cache) is stale once this has moved.
   */
  get generation(): number {
    return this.#generation;
  }

  /**
   * The packed answer table of the query hot path, or undefined while zones
   * are nested (then every query takes {@linkcode lookup}).
   */
  answerTable(): AnswerTable | undefined {
    return this.#nested ? undefined : this.#answers;
  }

  /** Names of the zones served, sorted. */
  zoneNames(): string[] {
    return [...this.#zones.keys()].sort();
  }

  /** The zone with this exact apex. */
  zone(name: string): IndexedZone | undefined {
    return this.#zones.get(name);
  }

  /** Live RRs across all zones at `now` (the `dmp_records` gauge; computed per scrape). */
  liveRecordCount(now: number): number {
    let n = 0;
    for (const z of this.#zones.values()) {
      for (const node of z.nodes.values()) {
        for (const set of node) n += liveCount(set, now);
      }
    }
    return n;
  }

  /** Number of owner names indexed across all zones. */
  nameCount(): number {
    let n = 0;
    for (const z of this.#zones.values()) n += z.nodes.size;
    return n;
  }

  /**
   * The closest enclosing zone of a canonical name: its longest suffix that
   * is a zone apex (CoreDNS-style zone selection). Suffixes longer than the
   * longest apex are skipped, so a one-zone node hashes one string.
   */
  findZone(name: string): IndexedZone | undefined {
    if (this.#zones.size === 0) return undefined;
    let labels = name === "" ? 0 : 1;
    for (let i = name.indexOf("."); i >= 0; i = name.indexOf(".", i + 1)) labels++;
    let pos = 0;
    for (let skip = labels - this.#maxLabels; skip > 0; skip--) pos = name.indexOf(".", pos) + 1;
    for (let n = 0; n < 128; n++) {
      const z = this.#zones.get(pos === 0 ? name : name.slice(pos));
      if (z) return z;
      if (pos === 0 && name === "") return undefined;
      const dot = name.indexOf(".", pos);
      if (dot < 0) return this.#zones.get("");
      pos = dot + 1;
    }
    return undefined;
  }

  /** Replaces a whole zone (SOA and all records, in publish order). */
  replaceZone(zone: StoredZone, records: readonly StoredRecord[]): void {
    this.replaceZoneImage(zone, encodeZoneImage(zone.name, records));
  }

  /**
   * Replaces a whole zone with the RRsets of a zone image
   * ({@linkcode encodeZoneImage}, built by the storage worker). The index
   * keeps views into `image.wire`: it is the zone's copy of its answer bytes.
   */
  replaceZoneImage(zone: StoredZone, image: ZoneImage): void {
    this.#generation++;
    const indexed: IndexedZone = {
      name: zone.name,
      labelCount: countLabels(zone.name),
      soa: zoneSoa(zone, undefined),
      soaRdata: new Uint8Array(0),
      nodes: new Map(),
      descendants: new Map(),
      cuts: new Set(),
      dnames: new Set(),
      wildcards: 0,
    };
    readZoneImage(image, (name, rrsets) => addNode(indexed, name, rrsets, true));
    setSoa(indexed, zoneSoa(zone, firstNs(indexed)));
    const old = this.#zones.get(zone.name);
    this.#zones.set(zone.name, indexed);
    this.#maxLabels = Math.max(this.#maxLabels, indexed.labelCount);
    // Only this zone's entries change, so loading many zones stays linear in their size.
    if (this.#nested) return;
    if (this.#nestsWithOthers(zone.name)) {
      this.#nested = true;
      this.#answers.clear();
      return;
    }
    if (old) untabulateZone(this.#answers, old);
    tabulateZone(this.#answers, indexed);
  }

  /** Updates the SOA of a zone (its serial moved) without touching its names. */
  updateZoneMeta(zone: StoredZone): void {
    this.#generation++;
    const z = this.#zones.get(zone.name);
    if (z) setSoa(z, zoneSoa(zone, firstNs(z)));
  }

  /** Removes a zone. */
  removeZone(name: string): void {
    this.#generation++;
    const old = this.#zones.get(name);
    if (!old) return;
    this.#zones.delete(name);
    if (!this.#nested) untabulateZone(this.#answers, old);
    else if (![...this.#zones.keys()].some((z) => this.#nestsWithOthers(z))) this.#rebuildAnswers();
  }

  /** Replaces the RRs of the given owner names of one zone with `records` (all of those names). */
  replaceNames(zoneName: string, names: Iterable<string>, records: readonly StoredRecord[]): void {
    // The patch's names get a small image of their own, so the last full load's image holds
    // no more than that load did.
    this.replaceNamesImage(zoneName, names, encodeZoneImage(zoneName, records));
  }

  /**
   * Replaces the RRs of the given owner names of one zone with the RRsets of
   * `image` ({@linkcode encodeZoneImage} of those names' records): what the
   * storage worker sends, encoded there, so that the DNS thread neither
   * receives a record object per RR nor encodes them.
   */
  replaceNamesImage(zoneName: string, names: Iterable<string>, image: ZoneImage): void {
    this.#generation++;
    const z = this.#zones.get(zoneName);
    if (!z) return;
    names = [...names];
    const answers = this.answerTable();
    // Cut/DNAME status before the patch of the names it touches (most zones skip this).
    const touched = z.cuts.size === 0 && z.dnames.size === 0 &&
        !zoneImageHasType(image, REDIRECT_TYPES)
      ? undefined
      : new Map<string, number>();
    if (touched) {
      for (const name of names) touched.set(name, redirectStatus(z, name));
      for (const name of zoneImageOwners(image)) touched.set(name, redirectStatus(z, name));
    }
    // Names whose mark may change: the patched names and their ancestors (empty non-terminals).
    const marks = answers ? new Set<string>() : undefined;
    for (const name of names) {
      const old = z.nodes.get(name);
      if (old && answers) { for (const set of old) answers.delete(name, set.type); }
      removeNode(z, name);
      if (marks) {
        marks.add(name);
        forEachAncestor(z, name, (a) => marks.add(a));
      }
    }
    readZoneImage(image, (name, rrsets) => {
      const old = z.nodes.get(name);
      if (old && answers) { for (const set of old) answers.delete(name, set.type); }
      addNode(z, name, rrsets);
      if (answers) tabulate(answers, z, name, rrsets);
      if (marks) forEachAncestor(z, name, (a) => marks.add(a));
    });
    // A cut or DNAME added or removed changes which names below it the table may answer
    // (RFC 1034 §4.2.1, RFC 6672 §2.4: data below is not ours / occluded): refill those entries.
    if (answers && touched) {
      for (const [name, was] of touched) {
        if (redirectStatus(z, name) !== was) retabulateBelow(answers, z, name);
      }
    }
    if (answers && marks) {
      for (const name of marks) markName(answers, z, name);
      answers.markZone(z, isSimple(z));
    }
  }

  /** Whether apex `name` is under another served apex, or another is under it. */
  #nestsWithOthers(name: string): boolean {
    if (this.#zones.size < 2) return false;
    if (name === "" || this.#zones.has("")) return true;
    for (let dot = name.indexOf("."); dot >= 0; dot = name.indexOf(".", dot + 1)) {
      if (this.#zones.has(name.slice(dot + 1))) return true;
    }
    const suffix = "." + name;
    for (const other of this.#zones.keys()) if (other.endsWith(suffix)) return true;
    return false;
  }

  /** Refills the answer table from every zone (when zones stop being nested). */
  #rebuildAnswers(): void {
    this.#answers.clear();
    this.#nested = false;
    for (const z of this.#zones.values()) tabulateZone(this.#answers, z);
  }

  /**
   * Looks a canonical name up: outside every zone → refused; else the RFC
   * 1034 §4.3.2 algorithm in the closest zone ({@linkcode resolveInZone}).
   */
  lookup(name: string, qtype: number, now: number): LookupResult {
    const zone = this.findZone(name);
    if (!zone) return { kind: "refused" };
    return resolveInZone(zone, name, qtype, now);
  }
}

/** RRs of `set` that are live at `now`. */
export function liveCount(set: IndexedRRset, now: number): number {
  if (now < set.firstExpiry) return set.records.length;
  let n = 0;
  for (const r of set.records) if (isLive(r, now)) n++;
  return n;
}

/** Whether an RR is visible at `now` (expired RRs vanish at once, before the sweep). */
export function isLive(r: IndexedRecord, now: number): boolean {
  return r.expiresAt === 0 || r.expiresAt > now;
}

/** Wire length of one RR of `set` (header and RDATA). */
export function recordLength(set: IndexedRRset, r: IndexedRecord): number {
  return recordLengthAt(set.wire, r.offset);
}

/** Wire length of the RR at `offset` of an RRset's `wire` (header and RDATA). */
export function recordLengthAt(wire: Uint8Array, offset: number): number {
  return POINTER_RR.HEADER_BYTES + ((wire[offset + 10] << 8) | wire[offset + 11]);
}

function countLabels(name: string): number {
  return name === "" ? 0 : name.split(".").length;
}

function setSoa(z: IndexedZone, soa: SoaFields): void {
  z.soa = soa;
  z.soaRdata = encodeSoaRdata(soa);
}

function firstNs(z: IndexedZone): string | undefined {
  const set = z.nodes.get(z.name)?.find((s) => s.type === TYPE.NS);
  if (!set) return undefined;
  // NS RDATA is one uncompressed name; decode its labels back to text.
  const first = set.records[0];
  const rdata = set.wire.subarray(
    first.offset + POINTER_RR.HEADER_BYTES,
    first.offset + recordLength(set, first),
  );
  const labels: string[] = [];
  let p = 0;
  while (p < rdata.length && rdata[p] !== 0) {
    const len = rdata[p];
    labels.push(String.fromCharCode(...rdata.subarray(p + 1, p + 1 + len)));
    p += 1 + len;
  }
  return labels.join(".");
}

/**
 * Puts a name's RRsets in the answer table when the table alone can answer
 * them exactly: the name lies under its zone's apex and not at or below a
 * zone cut (those get referrals, RFC 1034 §4.3.2 step 3.b) nor below a DNAME
 * (occluded, RFC 6672 §2.4), has no CNAME
 * (which answers every type), and the type is neither SOA (the apex SOA is
 * synthesized) nor NS (an NS answer carries glue, RFC 9471). Wildcards need
 * no check: an existing name is never synthesized (RFC 4592 §2.2.1).
 */
function tabulate(
  answers: AnswerTable,
  z: IndexedZone,
  name: string,
  rrsets: IndexedRRset[],
): void {
  markName(answers, z, name, rrsets);
  if (!isInZone(name, z.name)) return;
  if (rrsets.some((s) => s.type === TYPE.CNAME)) return;
  if (z.cuts.size > 0 && findZoneCut(z, name) !== undefined) return;
  if (z.dnames.size > 0 && findDname(z, name) !== undefined) return;
  for (const set of rrsets) {
    if (set.type !== TYPE.SOA && set.type !== TYPE.NS) answers.set(name, set);
  }
}

/**
 * Puts a whole zone in the answer table: its zone mark, every name's
 * answers and name mark, and a mark per empty non-terminal.
 */
function tabulateZone(answers: AnswerTable, z: IndexedZone): void {
  // Room for every answer and mark at once (the sizes AnswerTable.set and markName write).
  let bytes = 0;
  for (const [name, rrsets] of z.nodes) {
    bytes += 12 + name.length + 2 * rrsets.length;
    for (const set of rrsets) {
      let patches = 0;
      if (set.expiring) { for (const r of set.records) if (r.expiresAt !== 0) patches++; }
      bytes += 25 + name.length + 14 * patches;
    }
  }
  for (const name of z.descendants.keys()) bytes += 12 + name.length;
  answers.reserve(2 * z.nodes.size + z.descendants.size + 2, bytes);
  answers.markZone(z, isSimple(z));
  for (const [name, rrsets] of z.nodes) tabulate(answers, z, name, rrsets);
  for (const name of z.descendants.keys()) if (!z.nodes.has(name)) markName(answers, z, name);
  if (!z.nodes.has(z.name)) markName(answers, z, z.name);
}

/**
 * Whether a name of `z` without a mark is NXDOMAIN: no zone cut (a referral),
 * DNAME (a redirection, RFC 6672) or wildcard (synthesis, RFC 4592) could
 * answer it instead.
 */
function isSimple(z: IndexedZone): boolean {
  return z.cuts.size === 0 && z.dnames.size === 0 && z.wildcards === 0;
}

/**
 * Brings the answer table's mark of `name` up to date: the name exists (it
 * has RRs, is the apex, or an empty non-terminal) or not. A mark is
 * complete (a type not listed is NODATA, RFC 2308 §2.2) when the table
 * could answer every type of it: under the zone, not the apex (its SOA is
 * synthesized), no CNAME (RFC 1034 §3.6.2), not at or below a zone cut nor
 * below a DNAME.
 */
/**
 * Marks `name` in the answer table from its RRsets (`z.nodes.get(name)`, which a caller that has
 * them passes: one Map lookup per name less in a zone load).
 */
function markName(
  answers: AnswerTable,
  z: IndexedZone,
  name: string,
  rrsets: IndexedRRset[] | undefined = z.nodes.get(name),
): void {
  const apex = name === z.name;
  if (!isInZone(name, z.name)) return;
  if (rrsets === undefined && !apex && (z.descendants.get(name) ?? 0) === 0) {
    answers.unmarkName(name);
    return;
  }
  const open = !apex && (z.cuts.size === 0 || findZoneCut(z, name) === undefined) &&
    (z.dnames.size === 0 || findDname(z, name) === undefined);
  if (rrsets === undefined) {
    answers.markName(name, {
      complete: open,
      emptyNonTerminal: open,
      firstExpiry: Infinity,
      types: [],
    });
    return;
  }
  let firstExpiry = Infinity;
  const types: number[] = [];
  for (const set of rrsets) {
    types.push(set.type);
    if (set.firstExpiry < firstExpiry) firstExpiry = set.firstExpiry;
  }
  const complete = open && !types.includes(TYPE.CNAME);
  answers.markName(name, { complete, emptyNonTerminal: false, firstExpiry, types });
}

/** Whether `name` is a cut (1) and/or a DNAME owner (2) of `z`. */
function redirectStatus(z: IndexedZone, name: string): number {
  return (z.cuts.has(name) ? 1 : 0) | (z.dnames.has(name) ? 2 : 0);
}

/** Takes the names at and below `top` out of the answer table and puts back those it may answer. */
function retabulateBelow(answers: AnswerTable, z: IndexedZone, top: string): void {
  const suffix = "." + top;
  for (const [name, rrsets] of z.nodes) {
    if (name !== top && !name.endsWith(suffix)) continue;
    for (const set of rrsets) answers.delete(name, set.type);
    tabulate(answers, z, name, rrsets);
  }
  for (const name of z.descendants.keys()) {
    if ((name === top || name.endsWith(suffix)) && !z.nodes.has(name)) markName(answers, z, name);
  }
}

/** Takes every RRset of a zone out of the answer table. */
function untabulateZone(answers: AnswerTable, z: IndexedZone): void {
  for (const [name, rrsets] of z.nodes) {
    for (const set of rrsets) answers.delete(name, set.type);
    answers.unmarkName(name);
  }
  for (const name of z.descendants.keys()) answers.unmarkName(name);
  answers.unmarkName(z.name);
  answers.unmarkZone(z.name);
}

/**
 * Adds a name's RRsets to `z`, replacing any it had; `fresh` says `z` cannot hold the name yet
 * (a zone read from one image, whose owners are distinct), which saves a Map lookup per name.
 */
function addNode(z: IndexedZone, name: string, rrsets: IndexedRRset[], fresh = false): void {
  if (rrsets.length === 0) return;
  if (fresh || !z.nodes.has(name)) {
    forEachAncestor(z, name, (a) => z.descendants.set(a, (z.descendants.get(a) ?? 0) + 1));
    if (isWildcardOwner(name)) z.wildcards++;
  }
  z.nodes.set(name, rrsets);
  if (name !== z.name && rrsets.some((s) => s.type === TYPE.NS)) z.cuts.add(name);
  else z.cuts.delete(name);
  if (rrsets.some((s) => s.type === TYPE.DNAME)) z.dnames.add(name);
  else z.dnames.delete(name);
}

function removeNode(z: IndexedZone, name: string): void {
  if (!z.nodes.delete(name)) return;
  z.cuts.delete(name);
  z.dnames.delete(name);
  if (isWildcardOwner(name)) z.wildcards--;
  forEachAncestor(z, name, (a) => {
    const n = (z.descendants.get(a) ?? 0) - 1;
    if (n > 0) z.descendants.set(a, n);
    else z.descendants.delete(a);
  });
}

/** Calls `fn` for each name strictly between `name` and the zone apex. */
function forEachAncestor(z: IndexedZone, name: string, fn: (ancestor: string) => void): void {
  if (name === z.name) return;
  let pos = name.indexOf(".");
  while (pos >= 0) {
    const a = name.slice(pos + 1);
    if (a === z.name || a.length <= z.name.length) return;
    fn(a);
    pos = name.indexOf(".", pos + 1);
  }
}
