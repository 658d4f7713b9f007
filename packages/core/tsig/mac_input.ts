/**
 * The octet strings a TSIG MAC is computed over (RFC 8945 §4.3): the message
 * with its TSIG RR removed, the "TSIG variables" (§4.3.3), the request/prior
 * MAC prefix (§4.3.1, §5.3.1) and the "TSIG timers" of later TCP messages
 * (§5.3.1). Shared by the signer and the verifiers so both sides digest the
 * same bytes.
 *
 * This module is browser compatible.
 * @module
 */

import { CLASS } from "../wire/constants.ts";
import { concatBytes } from "../wire/message.ts";
import { canonicalName, encodableNameLength, encodeName } from "../wire/name.ts";
import { writeUint16, writeUint32 } from "../wire/network_order.ts";
import { writeU48 } from "./tsig_rdata.ts";

/** The TSIG variables of RFC 8945 §4.3.3. */
export interface TsigVariables {
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  error: number;
  otherData: Uint8Array;
}

/**
 * TSIG variables (RFC 8945 §4.3.3): key name in canonical wire form (RFC 4034
 * §6.2: uncompressed, lower-case), CLASS ANY, TTL 0, algorithm name in
 * canonical wire form, Time Signed (u48), Fudge, Error, Other Len, Other Data.
 *
 * @example
 * ```ts
 * import { tsigVariables } from "./mac_input.ts";
 * const v = tsigVariables({ keyName: "K", algorithm: "hmac-sha256", timeSigned: 0, fudge: 300,
 *   error: 0, otherData: new Uint8Array() });
 * if (v[0] !== 1 || v[1] !== 0x6b) throw new Error(); // "k", lower-cased
 * ```
 */
export function tsigVariables(v: TsigVariables): Uint8Array {
  const out = new Uint8Array(tsigVariablesLength(v));
  writeTsigVariables(out, 0, v);
  return out;
}

/**
 * Byte length of the TSIG variables of `v` (RFC 8945 §4.3.3). Throws
 * RangeError when the key or algorithm name is not a valid domain name.
 *
 * @example
 * ```ts
 * import { tsigVariables, tsigVariablesLength } from "./mac_input.ts";
 * const v = { keyName: "k", algorithm: "hmac-sha256", timeSigned: 0, fudge: 300, error: 0,
 *   otherData: new Uint8Array(6) };
 * if (tsigVariablesLength(v) !== tsigVariables(v).length) throw new Error();
 * ```
 */
export function tsigVariablesLength(v: TsigVariables): number {
  return encodableNameLength(canonicalName(v.keyName)) + 6 +
    encodableNameLength(canonicalName(v.algorithm)) + 8 + 4 + v.otherData.length;
}

/**
 * Writes the TSIG variables of `v` (RFC 8945 §4.3.3) at `out[offset]`, which
 * must have {@linkcode tsigVariablesLength} bytes free; returns the offset
 * after them.
 *
 * @example
 * ```ts
 * import { tsigVariables, tsigVariablesLength, writeTsigVariables } from "./mac_input.ts";
 * const v = { keyName: "k", algorithm: "hmac-sha256", timeSigned: 7, fudge: 300, error: 0,
 *   otherData: new Uint8Array() };
 * const out = new Uint8Array(1 + tsigVariablesLength(v));
 * writeTsigVariables(out, 1, v);
 * if (out.subarray(1).join() !== tsigVariables(v).join()) throw new Error();
 * ```
 */
export function writeTsigVariables(out: Uint8Array, offset: number, v: TsigVariables): number {
  // Written in place, no intermediate arrays: this runs twice per signed UPDATE (verify, sign).
  let o = encodeName(out, offset, canonicalName(v.keyName));
  writeUint16(out, o, CLASS.ANY);
  writeUint32(out, o + 2, 0); // TTL
  o = encodeName(out, o + 6, canonicalName(v.algorithm));
  // Fudge follows Time Signed directly (RFC 8945 §4.3.3 table).
  writeTsigTimers(out, o, v.timeSigned, v.fudge);
  writeUint16(out, o + 8, v.error);
  writeUint16(out, o + 10, v.otherData.length);
  out.set(v.otherData, o + 12);
  return o + 12 + v.otherData.length;
}

/**
 * One whole MAC input (RFC 8945 §4.3) in one buffer: `prefix` (a request or
 * prior MAC with its size, §4.3.1 and §5.3.1, or empty), the message
 * `wire[0, end)` with its ID replaced by `originalId` (§4.3.1) and its ARCOUNT
 * by `arcount` (§4.3.1: without the TSIG RR), then the TSIG variables of `v`.
 * Written in place rather than concatenated: a signed UPDATE digests two.
 *
 * @example
 * ```ts
 * import { macInput, tsigVariablesLength } from "./mac_input.ts";
 * const v = { keyName: "k", algorithm: "hmac-sha256", timeSigned: 0, fudge: 300, error: 0,
 *   otherData: new Uint8Array() };
 * const wire = new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9]);
 * const input = macInput(new Uint8Array([0, 1, 7]), wire, 12, 0x0203, 0, v);
 * if (input.subarray(0, 5).join() !== "0,1,7,2,3" || input[14] !== 0) throw new Error();
 * if (input.length !== 3 + 12 + tsigVariablesLength(v)) throw new Error();
 * ```
 */
export function macInput(
  prefix: Uint8Array,
  wire: Uint8Array,
  end: number,
  originalId: number,
  arcount: number,
  v: TsigVariables,
): Uint8Array {
  if (end < 12 || end > wire.length) throw new RangeError("message shorter than a header");
  const m = prefix.length;
  const out = new Uint8Array(m + end + tsigVariablesLength(v));
  out.set(prefix, 0);
  out.set(end === wire.length ? wire : wire.subarray(0, end), m);
  writeUint16(out, m, originalId);
  writeUint16(out, m + 10, arcount);
  writeTsigVariables(out, m + end, v);
  return out;
}

/**
 * TSIG timers (RFC 8945 §5.3.1): Time Signed (u48) then Fudge (u16).
 *
 * @example
 * ```ts
 * import { tsigTimers } from "./mac_input.ts";
 * if (tsigTimers(1, 300).join() !== "0,0,0,0,0,1,1,44") throw new Error();
 * ```
 */
export function tsigTimers(timeSigned: number, fudge: number): Uint8Array {
  const out = new Uint8Array(8);
  writeTsigTimers(out, 0, timeSigned, fudge);
  return out;
}

function writeTsigTimers(out: Uint8Array, o: number, timeSigned: number, fudge: number): void {
  writeU48(out, o, timeSigned);
  writeUint16(out, o + 6, fudge);
}

/**
 * A MAC as it prefixes a chained digest: MAC Size (u16) then the MAC
 * (RFC 8945 §4.3.1 "Request MAC", §5.3.1 "Prior MAC").
 *
 * @example
 * ```ts
 * import { macPrefix } from "./mac_input.ts";
 * if (macPrefix(new Uint8Array([9])).join() !== "0,1,9") throw new Error();
 * ```
 */
export function macPrefix(mac: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + mac.length);
  new DataView(out.buffer).setUint16(0, mac.length);
  out.set(mac, 2);
  return out;
}

/**
 * The message as it was before it was signed (RFC 8945 §4.3.1, §5.2): bytes
 * before the TSIG RR, with ARCOUNT decremented and the ID replaced by the
 * TSIG's Original ID. Returns null when ARCOUNT is already 0 or the offset is
 * inside the header.
 *
 * @example
 * ```ts
 * import { unsignedMessage } from "./mac_input.ts";
 * const m = unsignedMessage(new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9]), 12, 0x0203);
 * if (m?.join() !== "2,3,0,0,0,0,0,0,0,0,0,0") throw new Error();
 * ```
 */
export function unsignedMessage(
  wire: Uint8Array,
  tsigOffset: number,
  originalId: number,
): Uint8Array | null {
  if (tsigOffset < 12 || tsigOffset > wire.length) return null;
  // Copy into a fresh array: `wire` may be a Node Buffer, whose slice() is a view.
  const out = new Uint8Array(wire.subarray(0, tsigOffset));
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const arcount = v.getUint16(10);
  if (arcount === 0) return null;
  v.setUint16(0, originalId);
  v.setUint16(10, arcount - 1);
  return out;
}

/**
 * Appends a TSIG RR to a message and increments ARCOUNT (RFC 8945 §5.1: TSIG
 * goes last in the additional section). Throws RangeError when ARCOUNT would
 * overflow or the message is shorter than a header.
 *
 * @example
 * ```ts
 * import { appendRecord } from "./mac_input.ts";
 * const out = appendRecord(new Uint8Array(12), new Uint8Array([0]));
 * if (out[11] !== 1 || out.length !== 13) throw new Error();
 * ```
 */
export function appendRecord(wire: Uint8Array, record: Uint8Array): Uint8Array {
  if (wire.length < 12) throw new RangeError("message shorter than a header");
  const out = concatBytes([wire, record]);
  const v = new DataView(out.buffer);
  const arcount = v.getUint16(10);
  if (arcount === 0xffff) throw new RangeError("ARCOUNT overflow");
  v.setUint16(10, arcount + 1);
  return out;
}

/**
 * The 16-bit message ID of a wire message (RFC 1035 §4.1.1).
 *
 * @example
 * ```ts
 * import { messageId } from "./mac_input.ts";
 * if (messageId(new Uint8Array([1, 2, 0, 0])) !== 0x0102) throw new Error();
 * ```
 */
export function messageId(wire: Uint8Array): number {
  return (wire[0] << 8) | wire[1];
}
