/**
 * Whole DNS messages (RFC 1035 §4.1) for the cold paths: UPDATE, TSIG,
 * NOTIFY, tests and tools. The query hot path reads the header and question in
 * place instead (see `query.ts`).
 *
 * Decoding never throws: it returns a result carrying either the message or
 * the reason it is malformed, plus whatever header fields could be read so the
 * caller can answer FORMERR (RFC 1035 §4.1.1). RDATA of types that embed names
 * (NS, CNAME, SOA, MX, SRV, PTR) is returned decompressed, so every RR's
 * `rdata` is self-contained.
 *
 * This module is browser compatible.
 * @module
 */

import { LIMIT, TYPE } from "./constants.ts";
import { decodeName, encodableNameLength, encodeName, nameToLabels } from "./name.ts";

/** One entry of the question section (RFC 1035 §4.1.2). */
export interface Question {
  name: string;
  type: number;
  class: number;
}

/** One resource record (RFC 1035 §4.1.3) with self-contained RDATA. */
export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: Uint8Array;
}

/** A decoded message. `tsigOffset` is where the TSIG RR starts, if the last additional is one. */
export interface Message {
  id: number;
  flags: number;
  opcode: number;
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  tsigOffset?: number;
}

/** Result of {@linkcode decodeMessage}. */
export type DecodedMessage =
  | { ok: true; message: Message }
  | { ok: false; error: string; id?: number; flags?: number };

const NAME_RDATA_TYPES: ReadonlySet<number> = new Set([
  TYPE.NS,
  TYPE.CNAME,
  TYPE.PTR,
  TYPE.SOA,
  TYPE.MX,
  TYPE.SRV,
]);

/**
 * Decodes a whole message. Never throws.
 *
 * @example
 * ```ts
 * import { decodeMessage, encodeMessage } from "./message.ts";
 * const wire = encodeMessage({ id: 7, flags: 0, opcode: 0, rcode: 0,
 *   questions: [{ name: "a.example", type: 16, class: 1 }], answers: [], authorities: [], additionals: [] });
 * const r = decodeMessage(wire);
 * if (!r.ok || r.message.questions[0].name !== "a.example") throw new Error();
 * ```
 */
export function decodeMessage(buf: Uint8Array): DecodedMessage {
  if (buf.length < LIMIT.HEADER) return { ok: false, error: "message shorter than a header" };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const id = view.getUint16(0);
  const flags = view.getUint16(2);
  const counts = [view.getUint16(4), view.getUint16(6), view.getUint16(8), view.getUint16(10)];
  const partial = { id, flags };
  let pos: number = LIMIT.HEADER;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const n = decodeName(buf, pos);
    if (!n.ok) return { ok: false, error: `question: ${n.error}`, ...partial };
    if (n.end + 4 > buf.length) return { ok: false, error: "truncated question", ...partial };
    questions.push({ name: n.name, type: view.getUint16(n.end), class: view.getUint16(n.end + 2) });
    pos = n.end + 4;
  }
  const sections: ResourceRecord[][] = [[], [], []];
  let tsigOffset: number | undefined;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const start = pos;
      const rr = decodeRecord(buf, view, pos);
      if (!rr.ok) return { ok: false, error: rr.error, ...partial };
      sections[s].push(rr.record);
      pos = rr.end;
      if (rr.record.type === TYPE.TSIG) {
        // RFC 8945 §5.1: TSIG must be the last record of the additional section.
        if (s !== 2 || i !== counts[3] - 1) {
          return { ok: false, error: "TSIG is not the last record", ...partial };
        }
        tsigOffset = start;
      }
    }
  }
  if (pos !== buf.length) {
    return { ok: false, error: "trailing bytes after the message", ...partial };
  }
  return {
    ok: true,
    message: {
      id,
      flags,
      opcode: (flags >> 11) & 0xf,
      rcode: flags & 0xf,
      questions,
      answers: sections[0],
      authorities: sections[1],
      additionals: sections[2],
      tsigOffset,
    },
  };
}

type DecodedRecord = { ok: true; record: ResourceRecord; end: number } | {
  ok: false;
  error: string;
};

function decodeRecord(buf: Uint8Array, view: DataView, offset: number): DecodedRecord {
  const n = decodeName(buf, offset);
  if (!n.ok) return { ok: false, error: `record owner: ${n.error}` };
  const p = n.end;
  if (p + 10 > buf.length) return { ok: false, error: "truncated record header" };
  const type = view.getUint16(p);
  const klass = view.getUint16(p + 2);
  const ttl = view.getUint32(p + 4);
  const rdlength = view.getUint16(p + 8);
  const rdStart = p + 10;
  const rdEnd = rdStart + rdlength;
  if (rdEnd > buf.length) return { ok: false, error: "RDATA runs past the end" };
  let rdata: Uint8Array = buf.slice(rdStart, rdEnd);
  if (NAME_RDATA_TYPES.has(type) && rdlength > 0) {
    const expanded = expandRdataNames(buf, type, rdStart, rdEnd);
    if (!expanded) return { ok: false, error: "malformed RDATA" };
    rdata = expanded;
  }
  return { ok: true, record: { name: n.name, type, class: klass, ttl, rdata }, end: rdEnd };
}

/** Rewrites RDATA that may hold compressed names into uncompressed form. */
function expandRdataNames(
  buf: Uint8Array,
  type: number,
  start: number,
  end: number,
): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let pos = start;
  const fixed = (len: number): boolean => {
    if (pos + len > end) return false;
    parts.push(buf.slice(pos, pos + len));
    pos += len;
    return true;
  };
  const name = (): boolean => {
    const n = decodeName(buf, pos);
    if (!n.ok || n.end > end) return false;
    parts.push(encodeNameBytes(n.name));
    pos = n.end;
    return true;
  };
  let ok: boolean;
  switch (type) {
    case TYPE.SOA:
      ok = name() && name() && fixed(20);
      break;
    case TYPE.MX:
      ok = fixed(2) && name();
      break;
    case TYPE.SRV:
      ok = fixed(6) && name();
      break;
    default:
      ok = name();
  }
  if (!ok || pos !== end) return null;
  return concatBytes(parts);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Encodes a text name as uncompressed wire bytes.
 *
 * @example
 * ```ts
 * import { encodeNameBytes } from "./message.ts";
 * if (encodeNameBytes("a").length !== 3) throw new Error();
 * ```
 */
export function encodeNameBytes(name: string): Uint8Array {
  const out = new Uint8Array(encodableNameLength(name));
  encodeName(out, 0, name);
  return out;
}

/**
 * Encodes a message. Owner names are compressed against earlier owner names
 * and the question (RFC 1035 §4.1.4); RDATA is written as given.
 *
 * @example
 * ```ts
 * import { encodeMessage } from "./message.ts";
 * const wire = encodeMessage({ id: 1, flags: 0x8400, opcode: 0, rcode: 0, questions: [],
 *   answers: [], authorities: [], additionals: [] });
 * if (wire.length !== 12) throw new Error();
 * ```
 */
export function encodeMessage(msg: Omit<Message, "tsigOffset">): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length: number = LIMIT.HEADER;
  const header = new Uint8Array(LIMIT.HEADER);
  const hv = new DataView(header.buffer);
  hv.setUint16(0, msg.id);
  const flags = (msg.flags & ~0x780f) | ((msg.opcode & 0xf) << 11) | (msg.rcode & 0xf);
  hv.setUint16(2, flags);
  hv.setUint16(4, msg.questions.length);
  hv.setUint16(6, msg.answers.length);
  hv.setUint16(8, msg.authorities.length);
  hv.setUint16(10, msg.additionals.length);
  chunks.push(header);
  const compression = new Map<string, number>();
  const writeName = (name: string): void => {
    const bytes = compressedName(name, length, compression);
    chunks.push(bytes);
    length += bytes.length;
  };
  for (const q of msg.questions) {
    writeName(q.name);
    const t = new Uint8Array(4);
    const tv = new DataView(t.buffer);
    tv.setUint16(0, q.type);
    tv.setUint16(2, q.class);
    chunks.push(t);
    length += 4;
  }
  for (const rr of [...msg.answers, ...msg.authorities, ...msg.additionals]) {
    // TSIG and OPT owners are never compressed (RFC 8945 §4.2 requires canonical form).
    if (rr.type === TYPE.TSIG || rr.type === TYPE.OPT) {
      const bytes = encodeNameBytes(rr.name);
      chunks.push(bytes);
      length += bytes.length;
    } else writeName(rr.name);
    const fixed = new Uint8Array(10);
    const fv = new DataView(fixed.buffer);
    fv.setUint16(0, rr.type);
    fv.setUint16(2, rr.class);
    fv.setUint32(4, rr.ttl >>> 0);
    fv.setUint16(8, rr.rdata.length);
    chunks.push(fixed, rr.rdata);
    length += 10 + rr.rdata.length;
  }
  return concatBytes(chunks);
}

function compressedName(name: string, at: number, table: Map<string, number>): Uint8Array {
  const labels = nameToLabels(name);
  if (!labels) throw new RangeError(`Cannot encode name: "${name}" is not a valid domain name`);
  const lowered = labels.map((l) => asciiLower(l));
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const key = lowered.slice(i).map((l) => String.fromCharCode(...l)).join(".");
    const ptr = table.get(key);
    if (ptr !== undefined) {
      out.push(0xc0 | (ptr >> 8), ptr & 0xff);
      return Uint8Array.from(out);
    }
    const offset = at + out.length;
    if (offset < 0x4000) table.set(key, offset);
    out.push(labels[i].length, ...labels[i]);
  }
  out.push(0);
  return Uint8Array.from(out);
}

function asciiLower(b: Uint8Array): Uint8Array {
  const out = b.slice();
  for (let i = 0; i < out.length; i++) if (out[i] >= 0x41 && out[i] <= 0x5a) out[i] |= 0x20;
  return out;
}
