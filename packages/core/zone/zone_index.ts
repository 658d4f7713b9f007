/**
 * The in-memory zone index the DNS hot path answers from: per zone, its SOA
 * and a map of owner name → type → RRs with pre-encoded RDATA, plus a count of
 * descendants per empty non-terminal. It is filled from the store and patched
 * name by name from the change journal, so queries never wait on SQLite.
 *
 * This module is browser compatible.
 * @module
 */

import { TYPE, typeCode } from "../wire/constants.ts";
import { encodeRdata, encodeSoaRdata, type SoaFields } from "../wire/rdata.ts";
import type { StoredRecord, StoredZone } from "../store/records.ts";

/** One RR ready to encode: RDATA bytes, its TTL and absolute expiry (0 = never). */
export interface IndexedRecord {
  rdata: Uint8Array;
  ttl: number;
  expiresAt: number;
}

/** One zone: apex, SOA and names. */
export interface IndexedZone {
  name: string;
  soa: SoaFields;
  /** SOA RDATA encoded once per SOA change (negative answers need it on every query) */
  soaRdata: Uint8Array;
  /** owner → type → RRs in publish order */
  nodes: Map<string, Map<number, IndexedRecord[]>>;
  /** empty-non-terminal name → number of owners strictly below it */
  descendants: Map<string, number>;
}

/** Result of {@linkcode ZoneIndex.lookup}; named after the RFC outcomes. */
export type LookupResult =
  | { kind: "refused" }
  | { kind: "answer"; zone: IndexedZone; rrsets: { type: number; records: IndexedRecord[] }[] }
  | { kind: "nodata"; zone: IndexedZone }
  | { kind: "nxdomain"; zone: IndexedZone };

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
  #maxLabels = 0;

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
        for (const records of node.values()) {
          for (const r of records) if (r.expiresAt === 0 || r.expiresAt > now) n++;
        }
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
   * is a zone apex (CoreDNS-style zone selection).
   */
  findZone(name: string): IndexedZone | undefined {
    if (this.#zones.size === 0) return undefined;
    let pos = 0;
    for (let labels = 0; labels < 128; labels++) {
      const candidate = pos === 0 ? name : name.slice(pos);
      const z = this.#zones.get(candidate);
      if (z) return z;
      const dot = name.indexOf(".", pos);
      if (dot < 0) return this.#zones.get("");
      pos = dot + 1;
    }
    return undefined;
  }

  /** Replaces a whole zone (SOA and all records). */
  replaceZone(zone: StoredZone, records: readonly StoredRecord[]): void {
    const indexed: IndexedZone = {
      name: zone.name,
      soa: zoneSoa(zone, undefined),
      soaRdata: new Uint8Array(0),
      nodes: new Map(),
      descendants: new Map(),
    };
    for (const r of records) addRecord(indexed, r);
    setSoa(indexed, zoneSoa(zone, firstNs(indexed)));
    this.#zones.set(zone.name, indexed);
    this.#maxLabels = Math.max(this.#maxLabels, zone.name.split(".").length);
  }

  /** Updates the SOA of a zone (its serial moved) without touching its names. */
  updateZoneMeta(zone: StoredZone): void {
    const z = this.#zones.get(zone.name);
    if (z) setSoa(z, zoneSoa(zone, firstNs(z)));
  }

  /** Removes a zone. */
  removeZone(name: string): void {
    this.#zones.delete(name);
  }

  /** Replaces the RRs of the given owner names of one zone with `records` (all of those names). */
  replaceNames(zoneName: string, names: Iterable<string>, records: readonly StoredRecord[]): void {
    const z = this.#zones.get(zoneName);
    if (!z) return;
    for (const name of names) removeNode(z, name);
    for (const r of records) if (r.zone === zoneName) addRecord(z, r);
  }

  /**
   * Looks a canonical name up (RFC 1034 §4.3.2, without delegations):
   * outside every zone → refused; RRs of the type (or a CNAME) → answer;
   * name exists or is an empty non-terminal → nodata (RFC 8020: never
   * NXDOMAIN above existing names); else nxdomain. Expired RRs are invisible.
   */
  lookup(name: string, qtype: number, now: number): LookupResult {
    const zone = this.findZone(name);
    if (!zone) return { kind: "refused" };
    const node = zone.nodes.get(name);
    if (node) {
      const rrsets: { type: number; records: IndexedRecord[] }[] = [];
      let anyLive = false;
      for (const [type, records] of node) {
        const live = liveRecords(records, now);
        if (live.length === 0) continue;
        anyLive = true;
        if (type === qtype || qtype === TYPE.ANY || (type === TYPE.CNAME && qtype !== TYPE.CNAME)) {
          rrsets.push({ type, records: live });
        }
      }
      if (qtype === TYPE.SOA && name === zone.name) {
        return { kind: "answer", zone, rrsets: [] };
      }
      if (rrsets.length > 0) return { kind: "answer", zone, rrsets };
      if (anyLive) return { kind: "nodata", zone };
    }
    if (name === zone.name) {
      return qtype === TYPE.SOA || qtype === TYPE.ANY
        ? { kind: "answer", zone, rrsets: [] }
        : { kind: "nodata", zone };
    }
    if ((zone.descendants.get(name) ?? 0) > 0) return { kind: "nodata", zone };
    return { kind: "nxdomain", zone };
  }
}

function setSoa(z: IndexedZone, soa: SoaFields): void {
  z.soa = soa;
  z.soaRdata = encodeSoaRdata(soa);
}

function liveRecords(records: IndexedRecord[], now: number): IndexedRecord[] {
  let allLive = true;
  for (const r of records) {
    if (r.expiresAt !== 0 && r.expiresAt <= now) {
      allLive = false;
      break;
    }
  }
  return allLive ? records : records.filter((r) => r.expiresAt === 0 || r.expiresAt > now);
}

function firstNs(z: IndexedZone): string | undefined {
  const ns = z.nodes.get(z.name)?.get(TYPE.NS)?.[0];
  if (!ns) return undefined;
  // NS RDATA is one uncompressed name; decode its labels back to text.
  const labels: string[] = [];
  let p = 0;
  while (p < ns.rdata.length && ns.rdata[p] !== 0) {
    const len = ns.rdata[p];
    labels.push(String.fromCharCode(...ns.rdata.subarray(p + 1, p + 1 + len)));
    p += 1 + len;
  }
  return labels.join(".");
}

function addRecord(z: IndexedZone, r: StoredRecord): void {
  const type = typeCode(r.type);
  if (type === undefined) return;
  const rdata = encodeRdata(type, r.value);
  if (!rdata) return;
  let node = z.nodes.get(r.name);
  if (!node) {
    node = new Map();
    z.nodes.set(r.name, node);
    forEachAncestor(z, r.name, (a) => z.descendants.set(a, (z.descendants.get(a) ?? 0) + 1));
  }
  let list = node.get(type);
  if (!list) {
    list = [];
    node.set(type, list);
  }
  list.push({ rdata, ttl: r.ttl, expiresAt: r.expiresAt });
}

function removeNode(z: IndexedZone, name: string): void {
  if (!z.nodes.delete(name)) return;
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
