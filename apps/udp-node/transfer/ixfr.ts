/**
 * IXFR (RFC 1995) from the node's own history of each transferred zone.
 *
 * The store's change journal says which names changed, not what they held
 * before, so the node keeps the differences itself: a zone is tracked from
 * its first transfer on; whenever a transfer finds its serial moved, the
 * current index is compared with the last recorded version, owner by owner (unchanged owners share their RRset
 * arrays with the index, so the walk compares references), and the RRs
 * deleted and added are kept as one difference. A serial therefore names
 * one recorded content: an AXFR of a tracked zone serves the recorded
 * version, and an IXFR from any recorded serial is the differences since,
 * condensed (an RR added then deleted appears in neither list, RFC 1995 §5
 * allows condensing).
 *
 * Versions are recorded when transfers happen (a secondary told by NOTIFY
 * asks at once), not on every change, so a quiet zone costs nothing; the
 * serial a secondary holds is always one it was sent, hence recorded.
 *
 * History is bounded (versions and RRs kept, DMP_XFR_IXFR_VERSIONS); a
 * client older than what is kept, or a difference larger than the zone,
 * gets the whole zone instead (RFC 1995 §4). History is per process: after
 * a restart the first IXFR from each secondary is answered with the zone.
 *
 * @module
 */

import { bytesToHex } from "../../../packages/core/dmp/hex.ts";
import {
  type IndexedRRset,
  type IndexedZone,
  isLive,
} from "../../../packages/core/zone/zone_index.ts";
import {
  AXFR_MESSAGE_BYTES,
  recordBody,
  relativeOwner,
  snapshotZone,
  type StreamHeader,
  transferTtl,
  type XfrRecord,
  XfrWriter,
  type ZoneSnapshot,
} from "./axfr.ts";

/** One RR of a difference (the transfer RR of `axfr.ts`). */
export type DiffRecord = XfrRecord;

/** The RRs that differ between two versions. */
interface Difference {
  from: number;
  fromSoa: Uint8Array;
  fromSoaTtl: number;
  to: number;
  deleted: Map<string, DiffRecord>;
  added: Map<string, DiffRecord>;
}

/** A condensed difference from a client's serial to the current version. */
export interface Changes {
  fromSoa: Uint8Array;
  fromSoaTtl: number;
  deleted: DiffRecord[];
  added: DiffRecord[];
}

/** Limits of {@linkcode ZoneHistory}. */
export interface HistoryOptions {
  /** DMP_XFR_IXFR_VERSIONS: differences kept per zone */
  maxVersions: number;
  /** RRs kept across one zone's differences */
  maxRecords: number;
  /** DMP_DNS_TTL */
  maxTtl: number;
}

interface Tracked {
  base: ZoneSnapshot;
  /** live RRs of `base` (a difference at least this large is sent as the whole zone) */
  baseRecords: number;
  diffs: Difference[];
  records: number;
}

/** Per-zone history of recorded versions and their differences. */
export class ZoneHistory {
  #o: HistoryOptions;
  #zones = new Map<string, Tracked>();

  constructor(options: HistoryOptions) {
    this.#o = options;
  }

  /** Whether `zone` is tracked (it has been transferred since start). */
  tracks(zone: string): boolean {
    return this.#zones.has(zone);
  }

  /** Stops tracking zones the index no longer serves. */
  forgetMissing(served: (zone: string) => boolean): void {
    for (const z of this.#zones.keys()) if (!served(z)) this.#zones.delete(z);
  }

  /**
   * Records the zone's current version if its serial moved (tracking it from
   * now on) and returns the recorded version, which transfers serve.
   */
  observe(zone: IndexedZone, now: number): ZoneSnapshot {
    const t = this.#zones.get(zone.name);
    if (!t) {
      const base = snapshotZone(zone, now);
      this.#zones.set(zone.name, { base, baseRecords: countLive(base), diffs: [], records: 0 });
      return base;
    }
    if (t.base.serial === zone.soa.serial) return t.base;
    const next = snapshotZone(zone, now);
    const diff = this.#difference(t.base, next);
    t.diffs.push(diff);
    t.records += diff.deleted.size + diff.added.size;
    while (
      t.diffs.length > this.#o.maxVersions ||
      (t.records > this.#o.maxRecords && t.diffs.length > 0)
    ) {
      const old = t.diffs.shift()!;
      t.records -= old.deleted.size + old.added.size;
    }
    t.base = next;
    t.baseRecords = countLive(next);
    return next;
  }

  /**
   * The condensed changes from `serial` to the recorded current version, or
   * undefined when `serial` is not a recorded version or the changes are
   * not smaller than the zone (then the zone is sent whole).
   */
  since(zone: string, serial: number): Changes | undefined {
    const t = this.#zones.get(zone);
    if (!t) return undefined;
    const start = t.diffs.findIndex((d) => d.from === serial);
    if (start < 0) return undefined;
    const deleted = new Map<string, DiffRecord>();
    const added = new Map<string, DiffRecord>();
    for (let i = start; i < t.diffs.length; i++) {
      const d = t.diffs[i];
      for (const [k, r] of d.deleted) {
        if (added.has(k)) added.delete(k);
        else deleted.set(k, r);
      }
      for (const [k, r] of d.added) {
        if (deleted.has(k)) deleted.delete(k);
        else added.set(k, r);
      }
    }
    if (deleted.size + added.size >= t.baseRecords) return undefined;
    const first = t.diffs[start];
    return {
      fromSoa: first.fromSoa,
      fromSoaTtl: first.fromSoaTtl,
      deleted: [...deleted.values()],
      added: [...added.values()],
    };
  }

  #difference(from: ZoneSnapshot, to: ZoneSnapshot): Difference {
    const deleted = new Map<string, DiffRecord>();
    const added = new Map<string, DiffRecord>();
    for (const [owner, sets] of to.nodes) {
      const before = from.nodes.get(owner);
      if (before === sets) continue;
      this.#compare(owner, to.name, before ?? [], from.at, sets, to.at, deleted, added);
    }
    for (const [owner, sets] of from.nodes) {
      if (!to.nodes.has(owner)) {
        this.#compare(owner, to.name, sets, from.at, [], to.at, deleted, added);
      }
    }
    return {
      from: from.serial,
      fromSoa: from.soaRdata,
      fromSoaTtl: from.soaTtl,
      to: to.serial,
      deleted,
      added,
    };
  }

  /** Adds one owner's changes; RRs are identified by type, RDATA and stored TTL. */
  #compare(
    owner: string,
    apex: string,
    before: readonly IndexedRRset[],
    beforeAt: number,
    after: readonly IndexedRRset[],
    afterAt: number,
    deleted: Map<string, DiffRecord>,
    added: Map<string, DiffRecord>,
  ): void {
    const labels = relativeOwner(owner, apex);
    if (!labels) return;
    const old = this.#records(labels, owner, before, beforeAt);
    const now = this.#records(labels, owner, after, afterAt);
    for (const [k, r] of old) if (!now.has(k)) deleted.set(k, r);
    for (const [k, r] of now) if (!old.has(k)) added.set(k, r);
  }

  #records(
    labels: Uint8Array,
    owner: string,
    sets: readonly IndexedRRset[],
    at: number,
  ): Map<string, DiffRecord> {
    const out = new Map<string, DiffRecord>();
    for (const set of sets) {
      for (const r of set.records) {
        if (!isLive(r, at)) continue;
        const body = recordBody(set, r);
        // Identity: owner, type/class and RDATA (bytes 0..3 and 8..), plus the stored TTL.
        const key = `${owner} ${bytesToHex(body.subarray(0, 4))} ${r.ttl} ${
          bytesToHex(body.subarray(8))
        }`;
        out.set(key, { owner: labels, body, ttl: transferTtl(r, this.#o.maxTtl, at) });
      }
    }
    return out;
  }
}

function countLive(s: ZoneSnapshot): number {
  let n = 0;
  for (const sets of s.nodes.values()) {
    for (const set of sets) for (const r of set.records) if (isLive(r, s.at)) n++;
  }
  return n;
}

/**
 * The messages of an incremental IXFR response (RFC 1995 §4): our SOA, the
 * client's SOA, the deleted RRs, our SOA, the added RRs, our SOA.
 */
export function* ixfrMessages(
  current: ZoneSnapshot,
  changes: Changes,
  head: StreamHeader,
  messageBytes: number = AXFR_MESSAGE_BYTES,
): Generator<Uint8Array> {
  const w = new XfrWriter(head, messageBytes);
  let full = w.soa(current.soaRdata, current.soaTtl);
  if (full) yield full;
  full = w.soa(changes.fromSoa, changes.fromSoaTtl);
  if (full) yield full;
  for (const r of changes.deleted) {
    full = w.record(r.owner, r.body, r.ttl);
    if (full) yield full;
  }
  full = w.soa(current.soaRdata, current.soaTtl);
  if (full) yield full;
  for (const r of changes.added) {
    full = w.record(r.owner, r.body, r.ttl);
    if (full) yield full;
  }
  full = w.soa(current.soaRdata, current.soaTtl);
  if (full) yield full;
  yield w.finish();
}
