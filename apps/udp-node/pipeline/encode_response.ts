/**
 * Encodes answers: header, the question echoed byte for byte (0x20 case
 * preserved), answer RRs whose owner is a pointer to the question, the SOA in
 * the authority section of negative answers (RFC 2308 §3), and OPT
 * (RFC 6891 §6.1.1). Truncation per RFC 2181 §9: when the answer does not
 * fit the client's UDP size, the answer and authority sections are dropped
 * and TC is set, so the client retries over TCP.
 *
 * @module
 */

import {
  CLASS,
  EDNS_OPTION,
  FLAG,
  LIMIT,
  POINTER_RR,
  TYPE,
} from "../../../packages/core/wire/constants.ts";
import { ByteSlab } from "../../../packages/core/wire/byte_slab.ts";
import type { AnswerTable } from "../../../packages/core/zone/answer_table.ts";
import {
  type IndexedRRset,
  type IndexedZone,
  isLive,
  type OwnedRRset,
  recordLength,
  recordLengthAt,
  type SectionsResult,
} from "../../../packages/core/zone/zone_index.ts";
import { encodeName, nameWireLength } from "../../../packages/core/wire/name.ts";
import { writeUint16, writeUint32 } from "../../../packages/core/wire/network_order.ts";
import { KEEPALIVE_OPTION_BYTES, paddingOptionBytes } from "../../../packages/core/wire/edns.ts";

/** What to put in a response; the caller has already decided the rcode and sections. */
export interface ResponsePlan {
  request: Uint8Array;
  id: number;
  requestFlags: number;
  /** end of the question in `request`, or -1 to send no question */
  questionEnd: number;
  rcode: number;
  aa: boolean;
  answers: readonly IndexedRRset[];
  /** with `tableEntry` ≥ 0: the answer section is that entry of the answer table */
  table?: AnswerTable;
  tableEntry?: number;
  /** zone whose SOA goes in the authority section (negative answers) or the answer (SOA query) */
  soaZone?: IndexedZone;
  soaInAnswer?: boolean;
  /** offset in `request` of the zone apex's first label, for the SOA owner pointer; -1 = write the name */
  soaOwnerOffset: number;
  /** upper bound for TTLs of expiring records (DMP_DNS_TTL) */
  maxTtl: number;
  now: number;
  /** -1 = no OPT in the request */
  ednsPayload: number;
  dnssecOk: boolean;
  /** extended rcode bits for OPT (BADVERS = 16 → upper bits 1) */
  extendedRcode?: number;
  /** UDP size limit; Infinity for TCP */
  sizeLimit: number;
  /**
   * Cold path: RRsets under owners of their own (CNAME chain, referral, glue),
   * written after `answers`; the SOA placement comes from `soaZone`/`soaInAnswer`.
   */
  sections?: SectionsResult;
  /** canonical question name, with `sections`: owners under it become pointers into the question */
  qname?: string;
  /** NSID option data for the OPT (RFC 5001 §2.2), when the client asked and one is configured */
  nsid?: Uint8Array;
  /**
   * edns-tcp-keepalive TIMEOUT (100 ms units) to send (RFC 7828 §3.3.2): set by
   * stream transports when the query carried the option; -1 or absent = none.
   */
  keepalive?: number;
  /** pad the answer to a multiple of this (RFC 8467 §4.1), DoT only; 0 or absent = none */
  padBlock?: number;
}

// Responses are carved from shared chunks: a fresh off-heap buffer per answer cost ~6% of a
// node:dgram echo server's rate (108k → 115k qps). Transports may queue a view; it is never reused.
const responses = new ByteSlab(64 * 1024);

/** Encodes a response per the plan. */
export function encodeResponse(p: ResponsePlan): Uint8Array {
  const qlen = p.questionEnd > 0 ? p.questionEnd - LIMIT.HEADER : 0;
  const soaRdata = p.soaZone?.soaRdata;
  const soaOwnerLen = p.soaOwnerOffset >= 0 ? 2 : nameLength(p.soaZone?.name ?? "");
  const now = p.now;
  let answerCount = 0;
  let answerBytes = 0;
  for (let i = 0; i < p.answers.length; i++) {
    const set = p.answers[i];
    if (now < set.firstExpiry) {
      answerCount += set.records.length;
      answerBytes += set.wire.length;
    } else {
      for (const r of set.records) {
        if (!isLive(r, now)) continue;
        answerCount++;
        answerBytes += recordLength(set, r);
      }
    }
  }
  const table = p.table;
  const entry = p.tableEntry ?? -1;
  if (table && entry >= 0) {
    answerCount += table.recordCount(entry);
    answerBytes += table.wireLength(entry);
  }
  let authorityCount = 0;
  let additionalCount = 0;
  let sectionBytes = 0;
  const sections = p.sections;
  let owners: Int32Array | undefined;
  if (sections) {
    // Per owned RRset: a pointer into the question (offset ≥ 0) or the name written out (-1).
    const all = [...sections.answer, ...sections.authority, ...sections.additional];
    owners = new Int32Array(all.length);
    for (let i = 0; i < all.length; i++) {
      const o = all[i];
      owners[i] = ownerPointer(p.request, p.qname ?? "", o.owner);
      const ownerBytes = owners[i] >= 0 ? 2 : nameWireLength(o.owner);
      // An owner that cannot be encoded (never stored by a validated write) is left out.
      if (ownerBytes < 0) owners[i] = SKIP;
      const [count, bytes] = ownerBytes < 0 ? [0, 0] : ownedSize(o, ownerBytes, now);
      sectionBytes += bytes;
      if (i < sections.answer.length) answerCount += count;
      else if (i < sections.answer.length + sections.authority.length) authorityCount += count;
      else additionalCount += count;
    }
  }
  let soaBytes = 0;
  if (soaRdata) {
    soaBytes = soaOwnerLen + 10 + soaRdata.length;
    if (p.soaInAnswer) answerCount++;
    else authorityCount++;
  }
  const nsid = p.nsid;
  let optBytes = p.ednsPayload < 0 ? 0 : nsid ? 15 + nsid.length : 11;
  // Stream transports only (UDP plans leave both unset): RFC 7828 keepalive, RFC 8467 padding.
  const keepalive = optBytes > 0 && p.keepalive !== undefined && p.keepalive >= 0
    ? p.keepalive
    : -1;
  if (keepalive >= 0) optBytes += KEEPALIVE_OPTION_BYTES;
  let total = LIMIT.HEADER + qlen + answerBytes + soaBytes + sectionBytes + optBytes;
  let truncated = false;
  if (total > p.sizeLimit || total > LIMIT.TCP_MESSAGE) {
    truncated = true;
    answerCount = 0;
    authorityCount = 0;
    additionalCount = 0;
    total = LIMIT.HEADER + qlen + optBytes;
  }
  // Padding is the last option and counts the whole message (RFC 7830 §3, RFC 8467 §4.1).
  const padBytes = optBytes > 0 && p.padBlock
    ? paddingOptionBytes(total, p.padBlock, LIMIT.TCP_MESSAGE)
    : 0;
  total += padBytes;
  const out = responses.alloc(total);
  const opcodeBits = p.requestFlags & 0x7800;
  let flags = FLAG.QR | opcodeBits | (p.requestFlags & FLAG.RD) | (p.rcode & 0xf);
  if (p.aa) flags |= FLAG.AA;
  if (truncated) flags |= FLAG.TC;
  writeUint16(out, 0, p.id);
  writeUint16(out, 2, flags);
  writeUint16(out, 4, qlen > 0 ? 1 : 0);
  writeUint16(out, 6, answerCount);
  writeUint16(out, 8, authorityCount);
  writeUint16(out, 10, additionalCount + (optBytes > 0 ? 1 : 0));
  let pos: number = LIMIT.HEADER;
  // A byte loop: a subarray view per answer costs more than copying ~30 bytes.
  const request = p.request;
  for (let i = LIMIT.HEADER; i < LIMIT.HEADER + qlen; i++) out[pos++] = request[i];
  if (!truncated) {
    if (table && entry >= 0) pos = table.writeAnswer(out, pos, entry, p.maxTtl, now);
    for (let i = 0; i < p.answers.length; i++) {
      pos = writeRRset(out, pos, p.answers[i], p.maxTtl, now);
    }
    let o = 0;
    if (sections && owners) {
      for (const set of sections.answer) {
        pos = writeOwned(out, pos, set, owners[o++], p.maxTtl, now);
      }
    }
    if (soaRdata && p.soaZone) {
      if (p.soaOwnerOffset >= 0) {
        writeUint16(out, pos, 0xc000 | p.soaOwnerOffset);
        pos += 2;
      } else pos = writeName(out, pos, p.soaZone.name);
      writeUint16(out, pos, TYPE.SOA);
      writeUint16(out, pos + 2, CLASS.IN);
      // RFC 2308 §3: the SOA TTL in a negative answer is min(SOA TTL, MINIMUM); ours are equal.
      writeUint32(out, pos + 4, p.soaZone.soa.minimum);
      writeUint16(out, pos + 8, soaRdata.length);
      out.set(soaRdata, pos + 10);
      pos += 10 + soaRdata.length;
    }
    if (sections && owners) {
      for (const set of sections.authority) {
        pos = writeOwned(out, pos, set, owners[o++], p.maxTtl, now);
      }
      for (const set of sections.additional) {
        pos = writeOwned(out, pos, set, owners[o++], p.maxTtl, now);
      }
    }
  }
  if (optBytes > 0) {
    out[pos] = 0;
    writeUint16(out, pos + 1, TYPE.OPT);
    writeUint16(out, pos + 3, LIMIT.EDNS_PAYLOAD);
    out[pos + 5] = p.extendedRcode ?? 0;
    out[pos + 6] = 0; // version 0
    // RFC 3225 §3: the DO bit is copied from the query.
    out[pos + 7] = p.dnssecOk ? 0x80 : 0;
    out[pos + 8] = 0;
    writeUint16(out, pos + 9, optBytes - 11 + padBytes);
    pos += 11;
    if (nsid) {
      writeUint16(out, pos, EDNS_OPTION.NSID);
      writeUint16(out, pos + 2, nsid.length);
      out.set(nsid, pos + 4);
      pos += 4 + nsid.length;
    }
    if (keepalive >= 0) {
      writeUint16(out, pos, EDNS_OPTION.TCP_KEEPALIVE);
      writeUint16(out, pos + 2, 2);
      writeUint16(out, pos + 4, keepalive);
      pos += KEEPALIVE_OPTION_BYTES;
    }
    if (padBytes > 0) {
      writeUint16(out, pos, EDNS_OPTION.PADDING);
      writeUint16(out, pos + 2, padBytes - 4);
      // RFC 7830 §3: the padding octets are zero (slab memory is not assumed clean).
      out.fill(0, pos + 4, pos + padBytes);
    }
  }
  return out;
}

/**
 * Copies the live RRs of a pre-encoded RRset and sets the TTL of those with a
 * lifetime: min(DMP_DNS_TTL, own TTL, remaining lifetime), so caches never
 * outlive them (brief §8.1 item 6); zone data without expiry keeps its own TTL.
 */
function writeRRset(
  out: Uint8Array,
  pos: number,
  set: IndexedRRset,
  maxTtl: number,
  now: number,
): number {
  const wire = set.wire;
  if (now < set.firstExpiry) {
    out.set(wire, pos);
    if (set.expiring) {
      for (const r of set.records) {
        if (r.expiresAt !== 0) {
          writeUint32(
            out,
            pos + r.offset + POINTER_RR.TTL_OFFSET,
            answerTtl(r.ttl, r.expiresAt, maxTtl, now),
          );
        }
      }
    }
    return pos + wire.length;
  }
  for (const r of set.records) {
    if (!isLive(r, now)) continue;
    const length = recordLengthAt(wire, r.offset);
    out.set(wire.subarray(r.offset, r.offset + length), pos);
    if (r.expiresAt !== 0) {
      writeUint32(out, pos + POINTER_RR.TTL_OFFSET, answerTtl(r.ttl, r.expiresAt, maxTtl, now));
    }
    pos += length;
  }
  return pos;
}

/** Owner mark: the RRset is not written. */
const SKIP = -2;

/** RRs and bytes of the live RRs of an owned RRset whose owner takes `ownerBytes`. */
function ownedSize(o: OwnedRRset, ownerBytes: number, now: number): [number, number] {
  let count = 0;
  let bytes = 0;
  for (const r of o.set.records) {
    if (!isLive(r, now)) continue;
    count++;
    bytes += recordLength(o.set, r) - 2 + ownerBytes;
  }
  return [count, bytes];
}

/**
 * Offset in the question of the labels that spell `owner` (a suffix of the
 * canonical `qname`), for a compression pointer (RFC 1035 §4.1.4); -1 when
 * the owner is not under the question name and is written out.
 */
function ownerPointer(request: Uint8Array, qname: string, owner: string): number {
  if (qname === "" || qname.includes("\\")) return -1;
  if (owner === qname) return LIMIT.HEADER;
  if (owner === "" || !qname.endsWith("." + owner)) return -1;
  let skip = 1;
  for (let i = qname.length - owner.length - 2; i >= 0; i--) if (qname[i] === ".") skip++;
  let pos: number = LIMIT.HEADER;
  for (; skip > 0; skip--) pos += 1 + request[pos];
  return pos;
}

/** Writes the live RRs of an owned RRset with its owner (pointer or name), TTLs as {@linkcode writeRRset}. */
function writeOwned(
  out: Uint8Array,
  pos: number,
  o: OwnedRRset,
  pointer: number,
  maxTtl: number,
  now: number,
): number {
  const set = o.set;
  if (pointer === SKIP) return pos;
  const wire = set.wire;
  for (const r of set.records) {
    if (!isLive(r, now)) continue;
    if (pointer >= 0) {
      writeUint16(out, pos, 0xc000 | pointer);
      pos += 2;
    } else pos = encodeName(out, pos, o.owner);
    const length = recordLengthAt(wire, r.offset) - 2;
    out.set(wire.subarray(r.offset + 2, r.offset + 2 + length), pos);
    if (r.expiresAt !== 0) {
      writeUint32(out, pos + 4, answerTtl(r.ttl, r.expiresAt, maxTtl, now));
    }
    pos += length;
  }
  return pos;
}

function answerTtl(ttl: number, expiresAt: number, maxTtl: number, now: number): number {
  const remaining = Math.max(0, Math.floor(expiresAt - now));
  return Math.min(maxTtl, ttl, remaining);
}

function nameLength(name: string): number {
  if (name === "") return 1;
  return name.length + 2;
}

function writeName(out: Uint8Array, pos: number, name: string): number {
  if (name !== "") {
    for (const label of name.split(".")) {
      out[pos++] = label.length;
      for (let i = 0; i < label.length; i++) out[pos++] = label.charCodeAt(i);
    }
  }
  out[pos++] = 0;
  return pos;
}
