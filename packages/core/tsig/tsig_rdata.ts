/**
 * The TSIG resource record (RFC 8945 §4.2): its RDATA fields and the whole
 * RR as it sits at the end of a message's additional section.
 *
 * Decoding never throws and returns null (or an error) on malformed input.
 * Names are returned canonical (ASCII lower-case, no trailing dot) because
 * that is the form RFC 8945 §4.3.3 feeds to the MAC. Encoding writes names
 * uncompressed, as RFC 8945 §4.2 requires for the TSIG owner and algorithm.
 *
 * This module is browser compatible.
 * @module
 */

import { CLASS, TYPE } from "../wire/constants.ts";
import { canonicalName, decodeName, encodableNameLength, encodeName } from "../wire/name.ts";
import { readUint16, readUint32, writeUint16, writeUint32 } from "../wire/network_order.ts";

/** The RDATA fields of a TSIG RR (RFC 8945 §4.2). */
export interface TsigRdata {
  /** Algorithm name, canonical (e.g. `"hmac-sha256"`). */
  algorithm: string;
  /** Seconds since the epoch (48-bit unsigned) when the message was signed. */
  timeSigned: number;
  /** Permitted clock skew in seconds (16-bit). */
  fudge: number;
  /** The MAC (MAC Size octets; empty in unsigned error responses, RFC 8945 §5.3.2). */
  mac: Uint8Array;
  /** The message ID as originally signed (RFC 8945 §4.2 "Original ID"). */
  originalId: number;
  /** Extended RCODE carried by the TSIG (0, BADSIG, BADKEY, BADTIME, BADTRUNC). */
  error: number;
  /** Other Data (6-octet server time in BADTIME responses, RFC 8945 §5.2.3). */
  otherData: Uint8Array;
}

/** A TSIG RR read out of a message (RFC 8945 §4.2). */
export interface TsigRecord {
  /** Key name from the RR owner, canonical (lower-case, no trailing dot). */
  keyName: string;
  /** RR CLASS (must be ANY per RFC 8945 §4.2; checked by the verifier). */
  klass: number;
  /** RR TTL (0 per RFC 8945 §4.2). */
  ttl: number;
  /** The decoded RDATA. */
  rdata: TsigRdata;
  /** Offset just after the RR. */
  end: number;
}

/** Result of {@linkcode readTsigRecord}. */
export type ReadTsigRecord = { ok: true; record: TsigRecord } | {
  ok: false;
  error: string;
  /** Key name, when the owner could be read. */
  keyName?: string;
};

const TWO_32 = 0x100000000;

/** Largest value of a 48-bit unsigned integer (RFC 8945 §4.2 Time Signed). */
export const MAX_U48 = 0xffffffffffff;

/**
 * Encodes a 48-bit unsigned integer big-endian (RFC 8945 §4.2 Time Signed).
 *
 * @example
 * ```ts
 * import { encodeU48 } from "./tsig_rdata.ts";
 * if (encodeU48(0x010000000002).join() !== "1,0,0,0,0,2") throw new Error();
 * ```
 */
export function encodeU48(value: number): Uint8Array {
  const out = new Uint8Array(6);
  writeU48(out, 0, value);
  return out;
}

/**
 * Writes a 48-bit unsigned integer big-endian at `out[offset]` (RFC 8945 §4.2
 * Time Signed), in place: the signer and the verifier write it into buffers
 * they already hold. Throws RangeError when `value` is not a u48.
 *
 * @example
 * ```ts
 * import { writeU48 } from "./tsig_rdata.ts";
 * const b = new Uint8Array(7);
 * writeU48(b, 1, 0x010000000002);
 * if (b.join() !== "0,1,0,0,0,0,2") throw new Error();
 * ```
 */
export function writeU48(out: Uint8Array, offset: number, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U48) {
    throw new RangeError(`not a 48-bit unsigned integer: ${value}`);
  }
  writeUint16(out, offset, Math.floor(value / TWO_32));
  writeUint32(out, offset + 2, value % TWO_32);
}

/**
 * Decodes the RDATA of a TSIG RR held in `buf[start, end)` (RFC 8945 §4.2).
 * The algorithm name may use a compression pointer into `buf` (accepted for
 * robustness, although senders must not compress it). Returns null when
 * malformed or when bytes are left over. Never throws.
 *
 * @example
 * ```ts
 * import { decodeTsigRdata, encodeTsigRdata } from "./tsig_rdata.ts";
 * const rd = { algorithm: "hmac-sha256", timeSigned: 1700000000, fudge: 300,
 *   mac: new Uint8Array(32), originalId: 7, error: 0, otherData: new Uint8Array() };
 * if (decodeTsigRdata(encodeTsigRdata(rd))?.timeSigned !== 1700000000) throw new Error();
 * ```
 */
export function decodeTsigRdata(
  buf: Uint8Array,
  start = 0,
  end: number = buf.length,
): TsigRdata | null {
  if (start < 0 || end > buf.length || start > end) return null;
  const n = decodeName(buf, start);
  if (!n.ok || n.end > end) return null;
  // A compression pointer may lead outside the RDATA, never the name's own bytes.
  let pos = n.end;
  if (pos + 10 > end) return null;
  const timeSigned = readUint16(buf, pos) * TWO_32 + readUint32(buf, pos + 2);
  const fudge = readUint16(buf, pos + 6);
  const macSize = readUint16(buf, pos + 8);
  pos += 10;
  if (pos + macSize + 6 > end) return null;
  const mac = buf.slice(pos, pos + macSize);
  pos += macSize;
  const originalId = readUint16(buf, pos);
  const error = readUint16(buf, pos + 2);
  const otherLen = readUint16(buf, pos + 4);
  pos += 6;
  if (pos + otherLen !== end) return null;
  const otherData = buf.slice(pos, end);
  return {
    algorithm: canonicalName(n.name),
    timeSigned,
    fudge,
    mac,
    originalId,
    error,
    otherData,
  };
}

/**
 * Encodes TSIG RDATA (RFC 8945 §4.2) with an uncompressed, lower-cased
 * algorithm name. Throws RangeError on out-of-range fields.
 *
 * @example
 * ```ts
 * import { encodeTsigRdata } from "./tsig_rdata.ts";
 * const b = encodeTsigRdata({ algorithm: "hmac-sha256", timeSigned: 1, fudge: 300,
 *   mac: new Uint8Array(), originalId: 1, error: 17, otherData: new Uint8Array() });
 * if (b.length !== 13 + 16) throw new Error();
 * ```
 */
export function encodeTsigRdata(rdata: TsigRdata): Uint8Array {
  const alg = canonicalName(rdata.algorithm);
  const out = new Uint8Array(tsigRdataLength(alg, rdata));
  writeTsigRdata(out, 0, alg, rdata);
  return out;
}

/**
 * Encodes a whole TSIG RR (RFC 8945 §4.2): owner = key name (uncompressed,
 * lower-cased), TYPE TSIG, CLASS ANY, TTL 0, RDATA.
 *
 * @example
 * ```ts
 * import { encodeTsigRecord } from "./tsig_rdata.ts";
 * const rr = encodeTsigRecord("k", { algorithm: "hmac-sha256", timeSigned: 1, fudge: 300,
 *   mac: new Uint8Array(), originalId: 1, error: 0, otherData: new Uint8Array() });
 * if (rr[3] !== 0 || rr[4] !== 250) throw new Error();
 * ```
 */
export function encodeTsigRecord(keyName: string, rdata: TsigRdata): Uint8Array {
  const out = new Uint8Array(tsigRecordLength(keyName, rdata));
  writeTsigRecord(out, 0, keyName, rdata);
  return out;
}

/**
 * Length in bytes of the TSIG RR {@linkcode writeTsigRecord} writes. Throws
 * RangeError when a name is not a valid domain name.
 *
 * @example
 * ```ts
 * import { encodeTsigRecord, tsigRecordLength } from "./tsig_rdata.ts";
 * const rd = { algorithm: "hmac-sha256", timeSigned: 1, fudge: 300,
 *   mac: new Uint8Array(32), originalId: 1, error: 0, otherData: new Uint8Array() };
 * if (tsigRecordLength("k", rd) !== encodeTsigRecord("k", rd).length) throw new Error();
 * ```
 */
export function tsigRecordLength(keyName: string, rdata: TsigRdata): number {
  return encodableNameLength(canonicalName(keyName)) + 10 +
    tsigRdataLength(canonicalName(rdata.algorithm), rdata);
}

/**
 * Writes a whole TSIG RR (as {@linkcode encodeTsigRecord} encodes it) at
 * `out[offset]`, which must have {@linkcode tsigRecordLength} bytes free;
 * returns the offset after it. In place, so that a signer appends the RR to
 * the message it already copies, with no intermediate arrays (this runs once
 * per signed answer). Throws RangeError on out-of-range fields.
 *
 * @example
 * ```ts
 * import { encodeTsigRecord, tsigRecordLength, writeTsigRecord } from "./tsig_rdata.ts";
 * const rd = { algorithm: "hmac-sha256", timeSigned: 1, fudge: 300,
 *   mac: new Uint8Array(32), originalId: 1, error: 0, otherData: new Uint8Array() };
 * const out = new Uint8Array(2 + tsigRecordLength("k", rd));
 * if (writeTsigRecord(out, 2, "k", rd) !== out.length) throw new Error();
 * if (out.subarray(2).join() !== encodeTsigRecord("k", rd).join()) throw new Error();
 * ```
 */
export function writeTsigRecord(
  out: Uint8Array,
  offset: number,
  keyName: string,
  rdata: TsigRdata,
): number {
  const alg = canonicalName(rdata.algorithm);
  const rdLength = tsigRdataLength(alg, rdata);
  let o = encodeName(out, offset, canonicalName(keyName));
  writeUint16(out, o, TYPE.TSIG);
  writeUint16(out, o + 2, CLASS.ANY);
  writeUint32(out, o + 4, 0); // TTL
  writeUint16(out, o + 8, rdLength);
  o += 10;
  return writeTsigRdata(out, o, alg, rdata);
}

/** RDATA length of `rdata` with the canonical algorithm name `alg`; checks every field. */
function tsigRdataLength(alg: string, rdata: TsigRdata): number {
  checkU16(rdata.fudge, "fudge");
  checkU16(rdata.originalId, "original ID");
  checkU16(rdata.error, "error");
  checkU16(rdata.mac.length, "MAC size");
  checkU16(rdata.otherData.length, "other len");
  return encodableNameLength(alg) + 16 + rdata.mac.length + rdata.otherData.length;
}

/** Writes TSIG RDATA (RFC 8945 §4.2) at `out[o]`; returns the offset after it. */
function writeTsigRdata(out: Uint8Array, o: number, alg: string, rdata: TsigRdata): number {
  o = encodeName(out, o, alg);
  writeU48(out, o, rdata.timeSigned);
  writeUint16(out, o + 6, rdata.fudge);
  writeUint16(out, o + 8, rdata.mac.length);
  out.set(rdata.mac, o + 10);
  o += 10 + rdata.mac.length;
  writeUint16(out, o, rdata.originalId);
  writeUint16(out, o + 2, rdata.error);
  writeUint16(out, o + 4, rdata.otherData.length);
  out.set(rdata.otherData, o + 6);
  return o + 6 + rdata.otherData.length;
}

/**
 * Reads the TSIG RR starting at `offset` in a whole message `wire`. Checks
 * that it is a TSIG RR that ends exactly at the end of the message (RFC 8945
 * §5.1: TSIG is the last record). Never throws.
 *
 * @example
 * ```ts
 * import { encodeTsigRecord, readTsigRecord } from "./tsig_rdata.ts";
 * const rr = encodeTsigRecord("K.example", { algorithm: "hmac-sha256", timeSigned: 1,
 *   fudge: 300, mac: new Uint8Array(32), originalId: 1, error: 0, otherData: new Uint8Array() });
 * const r = readTsigRecord(rr, 0);
 * if (!r.ok || r.record.keyName !== "k.example") throw new Error();
 * ```
 */
export function readTsigRecord(wire: Uint8Array, offset: number): ReadTsigRecord {
  if (!Number.isInteger(offset) || offset < 0 || offset >= wire.length) {
    return { ok: false, error: "TSIG offset out of range" };
  }
  const n = decodeName(wire, offset);
  if (!n.ok) return { ok: false, error: `TSIG owner: ${n.error}` };
  const keyName = canonicalName(n.name);
  const p = n.end;
  if (p + 10 > wire.length) return { ok: false, error: "truncated TSIG record", keyName };
  if (readUint16(wire, p) !== TYPE.TSIG) return { ok: false, error: "not a TSIG record", keyName };
  const klass = readUint16(wire, p + 2);
  const ttl = readUint32(wire, p + 4);
  const rdEnd = p + 10 + readUint16(wire, p + 8);
  if (rdEnd !== wire.length) {
    return { ok: false, error: "TSIG record does not end the message", keyName };
  }
  const rdata = decodeTsigRdata(wire, p + 10, rdEnd);
  if (!rdata) return { ok: false, error: "malformed TSIG RDATA", keyName };
  return { ok: true, record: { keyName, klass, ttl, rdata, end: rdEnd } };
}

function checkU16(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new RangeError(`TSIG ${what} out of range: ${value}`);
  }
}
