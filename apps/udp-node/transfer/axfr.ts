/**
 * AXFR (RFC 5936) from the in-memory zone index: a snapshot of one zone taken
 * synchronously (the index is only patched between event-loop turns, so the
 * references gathered in one turn are one consistent version of the zone at
 * one journal position, RFC 5936 §6), then encoded lazily into messages of at
 * most {@linkcode AXFR_MESSAGE_BYTES}: the SOA first, every live RR, the SOA
 * last (§2.2).
 *
 * Every message echoes the question (allowed for later messages by §2.2.1),
 * so owner names compress to labels plus a pointer to the apex at offset 12.
 * Expiring (DMP) records carry the TTL a query would get at snapshot time;
 * records already expired are left out, as a query would leave them out.
 *
 * @module
 */

import { CLASS, FLAG, LIMIT, POINTER_RR, TYPE } from "../../../packages/core/wire/constants.ts";
import { nameToLabels } from "../../../packages/core/wire/name.ts";
import { writeUint16, writeUint32 } from "../../../packages/core/wire/network_order.ts";
import {
  type IndexedRecord,
  type IndexedRRset,
  type IndexedZone,
  isLive,
  recordLength,
} from "../../../packages/core/zone/zone_index.ts";

/**
 * Bytes of RRs per AXFR message before a new one is started. Well under the
 * 65535-byte TCP frame, leaving room for the TSIG RR; BIND and Knot use the
 * same order of size.
 */
export const AXFR_MESSAGE_BYTES = 16 * 1024;

/** One zone frozen for a transfer. */
export interface ZoneSnapshot {
  name: string;
  serial: number;
  /** SOA TTL (the zone's MINIMUM, as every SOA the node serves) */
  soaTtl: number;
  soaRdata: Uint8Array;
  /** owner → RRsets, as referenced from the index at snapshot time */
  nodes: ReadonlyMap<string, readonly IndexedRRset[]>;
  /** seconds; expiry and TTLs are computed against it */
  at: number;
}

/**
 * Freezes a zone: copies the list of owners and references their RRsets
 * (which the index never mutates in place, it replaces them).
 */
export function snapshotZone(zone: IndexedZone, now: number): ZoneSnapshot {
  return {
    name: zone.name,
    serial: zone.soa.serial,
    soaTtl: zone.soa.minimum,
    soaRdata: zone.soaRdata,
    nodes: new Map(zone.nodes),
    at: now,
  };
}

/** The request fields a response stream copies. */
export interface StreamHeader {
  id: number;
  /** request flags (RD is copied) */
  flags: number;
  /** the question as received, bytes 12..questionEnd of the request */
  question: Uint8Array;
}

/** Options of {@linkcode axfrMessages}. */
export interface AxfrOptions {
  /** DMP_DNS_TTL: upper bound of TTLs of expiring records */
  maxTtl: number;
  /** override of {@linkcode AXFR_MESSAGE_BYTES} (tests use small messages) */
  messageBytes?: number;
  /**
   * The RRs to send between the two SOAs instead of the snapshot's records:
   * a signed zone's content (`signed_transfer.ts`).
   */
  records?: readonly XfrRecord[];
}

/** One RR of a transfer: owner labels relative to the apex, body from TYPE on, its TTL. */
export interface XfrRecord {
  owner: Uint8Array;
  body: Uint8Array;
  ttl: number;
}

/**
 * The messages of an AXFR response (unsigned; the caller signs each). The
 * question must name the snapshot's apex (its bytes are the pointer target
 * of every owner name).
 */
export function* axfrMessages(
  snap: ZoneSnapshot,
  head: StreamHeader,
  options: AxfrOptions,
): Generator<Uint8Array> {
  const limit = options.messageBytes ?? AXFR_MESSAGE_BYTES;
  const writer = new XfrWriter(head, limit);
  writer.soa(snap.soaRdata, snap.soaTtl);
  for (const r of options.records ?? []) {
    const full = writer.record(r.owner, r.body, r.ttl);
    if (full) yield full;
  }
  for (const [owner, rrsets] of options.records ? [] : snap.nodes) {
    const ownerBytes = relativeOwner(owner, snap.name);
    if (!ownerBytes) continue;
    for (const set of rrsets) {
      for (const r of set.records) {
        if (!isLive(r, snap.at)) continue;
        const full = writer.record(
          ownerBytes,
          recordBody(set, r),
          transferTtl(r, options.maxTtl, snap.at),
        );
        if (full) yield full;
      }
    }
  }
  const last = writer.soa(snap.soaRdata, snap.soaTtl);
  if (last) yield last;
  yield writer.finish();
}

/**
 * TTL of an RR in a transfer: its own, or for an expiring (DMP) record what a
 * query would get at `at` (min of DMP_DNS_TTL, its TTL and its remaining life).
 */
export function transferTtl(r: IndexedRecord, maxTtl: number, at: number): number {
  return r.expiresAt === 0
    ? r.ttl
    : Math.min(maxTtl, r.ttl, Math.max(0, Math.floor(r.expiresAt - at)));
}

/** An RR after its 2-byte owner pointer: type, class, TTL, RDLENGTH, RDATA (a view). */
export function recordBody(set: IndexedRRset, r: IndexedRecord): Uint8Array {
  return set.wire.subarray(r.offset + 2, r.offset + recordLength(set, r));
}

/**
 * A single response carrying only the SOA (IXFR when the client is current,
 * RFC 1995 §2, or an IXFR over UDP that would not fit, §4).
 */
export function soaOnlyMessage(snap: ZoneSnapshot, head: StreamHeader): Uint8Array {
  const writer = new XfrWriter(head, LIMIT.TCP_MESSAGE);
  writer.soa(snap.soaRdata, snap.soaTtl);
  return writer.finish();
}

/**
 * Accumulates transfer RRs into one message at a time (AXFR here, IXFR in
 * `ixfr.ts`): header and question of the request, then RRs whose owners are
 * relative labels plus a pointer to the apex at offset 12.
 */
export class XfrWriter {
  #head: StreamHeader;
  #limit: number;
  #buf: Uint8Array;
  #pos = 0;
  #count = 0;

  constructor(head: StreamHeader, limit: number) {
    this.#head = head;
    this.#limit = limit;
    this.#buf = new Uint8Array(LIMIT.HEADER + head.question.length + limit + 512);
    this.#reset();
  }

  /** Appends an apex SOA; returns a finished message when the current one was full. */
  soa(soaRdata: Uint8Array, ttl: number): Uint8Array | undefined {
    const body = new Uint8Array(10 + soaRdata.length);
    writeUint16(body, 0, TYPE.SOA);
    writeUint16(body, 2, CLASS.IN);
    writeUint16(body, 8, soaRdata.length);
    body.set(soaRdata, 10);
    return this.record(EMPTY, body, ttl);
  }

  /**
   * Appends one RR: `owner` relative labels (then a pointer to the apex),
   * `body` from TYPE on, TTL rewritten. Returns the previous message when
   * this RR did not fit in it.
   */
  record(owner: Uint8Array, body: Uint8Array, ttl: number): Uint8Array | undefined {
    const size = owner.length + 2 + body.length;
    let done: Uint8Array | undefined;
    if (
      this.#count > 0 && this.#pos + size > LIMIT.HEADER + this.#head.question.length + this.#limit
    ) {
      done = this.finish();
    }
    if (this.#pos + size > this.#buf.length) {
      const bigger = new Uint8Array(this.#pos + size);
      bigger.set(this.#buf.subarray(0, this.#pos));
      this.#buf = bigger;
    }
    const b = this.#buf;
    b.set(owner, this.#pos);
    this.#pos += owner.length;
    writeUint16(b, this.#pos, 0xc000 | LIMIT.HEADER);
    this.#pos += 2;
    b.set(body, this.#pos);
    writeUint32(b, this.#pos + POINTER_RR.TTL_OFFSET - 2, ttl);
    this.#pos += body.length;
    this.#count++;
    return done;
  }

  /** The current message, and a fresh one begun. */
  finish(): Uint8Array {
    writeUint16(this.#buf, 6, this.#count);
    const out = this.#buf.slice(0, this.#pos);
    this.#reset();
    return out;
  }

  #reset(): void {
    const b = this.#buf;
    const h = this.#head;
    writeUint16(b, 0, h.id);
    writeUint16(b, 2, FLAG.QR | FLAG.AA | (h.flags & FLAG.RD));
    writeUint16(b, 4, 1);
    writeUint16(b, 6, 0);
    writeUint16(b, 8, 0);
    writeUint16(b, 10, 0);
    b.set(h.question, LIMIT.HEADER);
    this.#pos = LIMIT.HEADER + h.question.length;
    this.#count = 0;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * The labels of `owner` above the apex, in wire form without the terminating
 * zero (a pointer to the apex follows); null when it cannot be encoded.
 * Owners are canonical names inside the zone (the index only holds those).
 */
export function relativeOwner(owner: string, apex: string): Uint8Array | null {
  if (owner === apex) return EMPTY;
  const prefix = apex === "" ? owner : owner.slice(0, owner.length - apex.length - 1);
  // Owners in the index were validated on the way in; an unreadable one is left out.
  const labels = nameToLabels(prefix);
  if (!labels) return null;
  let n = 0;
  for (const l of labels) n += 1 + l.length;
  const out = new Uint8Array(n);
  let p = 0;
  for (const l of labels) {
    out[p++] = l.length;
    out.set(l, p);
    p += l.length;
  }
  return out;
}
