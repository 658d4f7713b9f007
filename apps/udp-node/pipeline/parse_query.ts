/**
 * Reads what answering needs from a request, in place (NSD `query.c` order):
 * size → QR → opcode → question → OPT (RFC 6891) → TSIG position. No message
 * object is built for QUERY; UPDATE and TSIG-signed messages take the cold
 * path through `wire/message.ts`.
 *
 * @module
 */

import { EDNS_OPTION, FLAG, LIMIT, OPCODE, TYPE } from "../../../packages/core/wire/constants.ts";
import { skipName } from "../../../packages/core/wire/name.ts";
import { FNV1A_START, fnv1aStep } from "../../../packages/core/hash/fnv1a.ts";

/** A request classified for routing, with the question read in place. */
export type ParsedRequest =
  | { kind: "drop"; reason: string }
  | {
    kind: "formerr";
    reason: string;
    id: number;
    flags: number;
    questionEnd: number;
    /** the request carried an OPT RR: the FORMERR answer carries one too (RFC 6891 §7) */
    edns?: boolean;
  }
  | { kind: "notimp"; id: number; flags: number; questionEnd: number }
  | { kind: "update" }
  | { kind: "signed" }
  | {
    kind: "query";
    id: number;
    flags: number;
    /**
     * The qname as lower-case dotted bytes in a scratch buffer shared by every
     * call: valid until the next parseRequest (read it, or turn it into a
     * string with {@linkcode questionName}, before parsing again).
     */
    key: Uint8Array;
    keyLength: number;
    /** FNV-1a of the key bytes (the answer table's name hash) */
    keyHash: number;
    /** no label byte needs escaping, so the key is the canonical name as ASCII */
    plainName: boolean;
    /** labels in the qname (0 for the root) */
    labelCount: number;
    qtype: number;
    qclass: number;
    questionEnd: number;
    /** EDNS: -1 without OPT, else the requested UDP payload size */
    ednsPayload: number;
    ednsVersion: number;
    dnssecOk: boolean;
    /** the OPT carries an NSID option (RFC 5001 §2.1) */
    nsidRequested: boolean;
    /** the OPT carries edns-tcp-keepalive (RFC 7828 §3.2.1) */
    keepaliveRequested: boolean;
    /** the OPT carries padding (RFC 7830 §4: the answer is padded on encrypted transports) */
    paddingRequested: boolean;
  };

/**
 * Classifies a request without building any string: the qname is gathered
 * as bytes (see `key`). Never throws on malformed input.
 */
export function parseRequest(buf: Uint8Array): ParsedRequest {
  if (buf.length < LIMIT.HEADER) return { kind: "drop", reason: "short header" };
  const id = (buf[0] << 8) | buf[1];
  const flags = (buf[2] << 8) | buf[3];
  // RFC 1035 §4.1.1: a response must never be answered (avoids reflection loops).
  if (flags & FLAG.QR) return { kind: "drop", reason: "response received" };
  const opcode = (flags >> 11) & 0xf;
  if (opcode === OPCODE.UPDATE) return { kind: "update" };
  const qdcount = (buf[4] << 8) | buf[5];
  const ancount = (buf[6] << 8) | buf[7];
  const nscount = (buf[8] << 8) | buf[9];
  const arcount = (buf[10] << 8) | buf[11];
  if (opcode !== OPCODE.QUERY) {
    const qend = qdcount === 1 ? questionEndOf(buf) : -1;
    return { kind: "notimp", id, flags, questionEnd: qend };
  }
  if (qdcount !== 1) {
    return { kind: "formerr", reason: "QDCOUNT is not 1", id, flags, questionEnd: -1 };
  }
  // Read the qname: labels lower-cased as ASCII (RFC 4343), compression refused in questions.
  // The lower-case dotted bytes go to a scratch buffer, hashed on the way for the answer table.
  let pos: number = LIMIT.HEADER;
  let plain = true;
  let hash = FNV1A_START;
  let labelCount = 0;
  let n = 0;
  let total = 1;
  for (;;) {
    if (pos >= buf.length) {
      return { kind: "formerr", reason: "truncated question", id, flags, questionEnd: -1 };
    }
    const len = buf[pos];
    if (len === 0) {
      pos++;
      break;
    }
    if (len > LIMIT.LABEL) {
      return { kind: "formerr", reason: "bad label in question", id, flags, questionEnd: -1 };
    }
    total += len + 1;
    if (total > LIMIT.NAME || pos + 1 + len > buf.length) {
      return { kind: "formerr", reason: "bad question name", id, flags, questionEnd: -1 };
    }
    if (labelCount++ > 0) {
      scratch[n++] = 0x2e;
      hash = fnv1aStep(hash, 0x2e);
    }
    for (let i = pos + 1; i <= pos + len; i++) {
      let c = buf[i];
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      else if (c === 0x2e || c === 0x5c || c <= 0x20 || c >= 0x7f) plain = false;
      scratch[n++] = c;
      hash = fnv1aStep(hash, c);
    }
    pos += 1 + len;
  }
  if (pos + 4 > buf.length) {
    return { kind: "formerr", reason: "truncated question", id, flags, questionEnd: -1 };
  }
  const qtype = (buf[pos] << 8) | buf[pos + 1];
  const qclass = (buf[pos + 2] << 8) | buf[pos + 3];
  const questionEnd = pos + 4;
  pos = questionEnd;
  // A query carries no answer or authority records; skip them defensively, then read OPT/TSIG.
  let ednsPayload = -1;
  let ednsVersion = 0;
  let dnssecOk = false;
  let nsidRequested = false;
  let keepaliveRequested = false;
  let paddingRequested = false;
  const rrCount = ancount + nscount + arcount;
  for (let i = 0; i < rrCount; i++) {
    const nameEnd = skipName(buf, pos);
    if (nameEnd < 0 || nameEnd + 10 > buf.length) {
      return { kind: "formerr", reason: "malformed record", id, flags, questionEnd };
    }
    const type = (buf[nameEnd] << 8) | buf[nameEnd + 1];
    const rdlen = (buf[nameEnd + 8] << 8) | buf[nameEnd + 9];
    const end = nameEnd + 10 + rdlen;
    if (end > buf.length) {
      return { kind: "formerr", reason: "record past the end", id, flags, questionEnd };
    }
    if (type === TYPE.TSIG) return { kind: "signed" };
    if (type === TYPE.OPT) {
      // RFC 6891 §6.1.1: OPT only in the additional section, at most once, owned by the root.
      if (i < ancount + nscount || ednsPayload >= 0 || buf[pos] !== 0) {
        return { kind: "formerr", reason: "bad OPT", id, flags, questionEnd, edns: true };
      }
      ednsPayload = (buf[nameEnd + 2] << 8) | buf[nameEnd + 3];
      ednsVersion = buf[nameEnd + 5];
      dnssecOk = (buf[nameEnd + 6] & 0x80) !== 0;
      // Options (RFC 6891 §6.1.2): NSID, keepalive and padding are looked for; the loop runs
      // only when there are any.
      for (let o = nameEnd + 10; o + 4 <= end; o += 4 + ((buf[o + 2] << 8) | buf[o + 3])) {
        if (buf[o] !== 0) continue;
        const code = buf[o + 1];
        if (code === EDNS_OPTION.NSID) nsidRequested = true;
        else if (code === EDNS_OPTION.TCP_KEEPALIVE) keepaliveRequested = true;
        else if (code === EDNS_OPTION.PADDING) paddingRequested = true;
      }
    }
    pos = end;
  }
  if (pos !== buf.length) {
    return {
      kind: "formerr",
      reason: "trailing bytes",
      id,
      flags,
      questionEnd,
      edns: ednsPayload >= 0,
    };
  }
  if (qtype === TYPE.AXFR || qtype === TYPE.IXFR) return { kind: "notimp", id, flags, questionEnd };
  return {
    kind: "query",
    id,
    flags,
    key: scratch,
    keyLength: n,
    keyHash: hash,
    plainName: plain,
    labelCount,
    qtype,
    qclass,
    questionEnd,
    ednsPayload,
    ednsVersion,
    dnssecOk,
    nsidRequested,
    keepaliveRequested,
    paddingRequested,
  };
}

// A name is at most 255 bytes on the wire, so its dotted form fits too.
const scratch = new Uint8Array(LIMIT.NAME);
const ascii = new TextDecoder();

/**
 * The canonical presentation form of a parsed query's qname (lower case, no
 * trailing dot, RFC 1035 §5.1 escapes). Call it before the next parseRequest.
 */
export function questionName(
  parsed: { key: Uint8Array; keyLength: number; plainName: boolean },
  request: Uint8Array,
): string {
  return parsed.plainName
    ? ascii.decode(parsed.key.subarray(0, parsed.keyLength))
    : escapedName(request);
}

/** The presentation form of a checked question name with bytes that need escaping. */
function escapedName(buf: Uint8Array): string {
  let pos: number = LIMIT.HEADER;
  let qname = "";
  for (let len = buf[pos]; len !== 0; len = buf[pos]) {
    let label = "";
    for (let i = pos + 1; i <= pos + len; i++) {
      let c = buf[i];
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      label += c === 0x2e || c === 0x5c || c <= 0x20 || c >= 0x7f
        ? "\\" + c.toString().padStart(3, "0")
        : String.fromCharCode(c);
    }
    qname = qname === "" ? label : qname + "." + label;
    pos += 1 + len;
  }
  return qname;
}

/** End offset of the single question, or -1 when it cannot be read. */
export function questionEndOf(buf: Uint8Array): number {
  const end = skipName(buf, LIMIT.HEADER);
  return end < 0 || end + 4 > buf.length ? -1 : end + 4;
}
