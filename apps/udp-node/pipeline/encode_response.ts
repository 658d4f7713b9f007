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

import { CLASS, FLAG, LIMIT, TYPE } from "../../../packages/core/wire/constants.ts";
import type { IndexedRecord, IndexedZone } from "../../../packages/core/zone/zone_index.ts";

/** What to put in a response; the caller has already decided the rcode and sections. */
export interface ResponsePlan {
  request: Uint8Array;
  id: number;
  requestFlags: number;
  /** end of the question in `request`, or -1 to send no question */
  questionEnd: number;
  rcode: number;
  aa: boolean;
  answers: { type: number; records: IndexedRecord[] }[];
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
}

/** Encodes a response per the plan. */
export function encodeResponse(p: ResponsePlan): Uint8Array {
  const qlen = p.questionEnd > 0 ? p.questionEnd - LIMIT.HEADER : 0;
  const soaRdata = p.soaZone?.soaRdata;
  const soaOwnerLen = p.soaOwnerOffset >= 0 ? 2 : nameLength(p.soaZone?.name ?? "");
  let answerCount = 0;
  let answerBytes = 0;
  for (const set of p.answers) {
    for (const r of set.records) {
      answerCount++;
      answerBytes += 12 + r.rdata.length;
    }
  }
  let authorityCount = 0;
  let soaBytes = 0;
  if (soaRdata) {
    soaBytes = soaOwnerLen + 10 + soaRdata.length;
    if (p.soaInAnswer) answerCount++;
    else authorityCount = 1;
  }
  const optBytes = p.ednsPayload >= 0 ? 11 : 0;
  let total = LIMIT.HEADER + qlen + answerBytes + soaBytes + optBytes;
  let truncated = false;
  if (total > p.sizeLimit || total > LIMIT.TCP_MESSAGE) {
    truncated = true;
    answerCount = 0;
    authorityCount = 0;
    total = LIMIT.HEADER + qlen + optBytes;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint16(0, p.id);
  const opcodeBits = p.requestFlags & 0x7800;
  let flags = FLAG.QR | opcodeBits | (p.requestFlags & FLAG.RD) | (p.rcode & 0xf);
  if (p.aa) flags |= FLAG.AA;
  if (truncated) flags |= FLAG.TC;
  view.setUint16(2, flags);
  view.setUint16(4, qlen > 0 ? 1 : 0);
  view.setUint16(6, answerCount);
  view.setUint16(8, authorityCount);
  view.setUint16(10, optBytes > 0 ? 1 : 0);
  let pos: number = LIMIT.HEADER;
  if (qlen > 0) {
    out.set(p.request.subarray(LIMIT.HEADER, p.questionEnd), pos);
    pos += qlen;
  }
  if (!truncated) {
    for (const set of p.answers) {
      for (const r of set.records) {
        view.setUint16(pos, 0xc000 | LIMIT.HEADER);
        view.setUint16(pos + 2, set.type);
        view.setUint16(pos + 4, CLASS.IN);
        view.setUint32(pos + 6, answerTtl(r, p.maxTtl, p.now));
        view.setUint16(pos + 10, r.rdata.length);
        out.set(r.rdata, pos + 12);
        pos += 12 + r.rdata.length;
      }
    }
    if (soaRdata && p.soaZone) {
      if (p.soaOwnerOffset >= 0) {
        view.setUint16(pos, 0xc000 | p.soaOwnerOffset);
        pos += 2;
      } else pos = writeName(out, pos, p.soaZone.name);
      view.setUint16(pos, TYPE.SOA);
      view.setUint16(pos + 2, CLASS.IN);
      // RFC 2308 §3: the SOA TTL in a negative answer is min(SOA TTL, MINIMUM); ours are equal.
      view.setUint32(pos + 4, p.soaZone.soa.minimum);
      view.setUint16(pos + 8, soaRdata.length);
      out.set(soaRdata, pos + 10);
      pos += 10 + soaRdata.length;
    }
  }
  if (optBytes > 0) {
    out[pos] = 0;
    view.setUint16(pos + 1, TYPE.OPT);
    view.setUint16(pos + 3, LIMIT.EDNS_PAYLOAD);
    out[pos + 5] = p.extendedRcode ?? 0;
    out[pos + 6] = 0; // version 0
    // RFC 3225 §3: the DO bit is copied from the query.
    out[pos + 7] = p.dnssecOk ? 0x80 : 0;
    out[pos + 8] = 0;
    view.setUint16(pos + 9, 0);
  }
  return out;
}

/**
 * TTL of an answer RR: records with a lifetime (DMP writes) get
 * min(DMP_DNS_TTL, remaining lifetime) so caches never outlive them (brief
 * §8.1 item 6); zone data without expiry keeps its own TTL.
 */
function answerTtl(r: IndexedRecord, maxTtl: number, now: number): number {
  if (r.expiresAt === 0) return r.ttl;
  const remaining = Math.max(0, Math.floor(r.expiresAt - now));
  return Math.min(maxTtl, r.ttl, remaining);
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
