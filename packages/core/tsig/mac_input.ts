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
import { canonicalName, encodeName, nameWireLength } from "../wire/name.ts";
import { encodeU48 } from "./tsig_rdata.ts";

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
  // One buffer written in place: this runs twice per signed UPDATE (verify, then sign).
  const key = canonicalName(v.keyName);
  const alg = canonicalName(v.algorithm);
  const keyLength = nameWireLength(key);
  const algLength = nameWireLength(alg);
  if (keyLength < 0 || algLength < 0) {
    throw new RangeError(
      `Cannot encode name: "${keyLength < 0 ? key : alg}" is not a valid domain name`,
    );
  }
  const out = new Uint8Array(keyLength + 6 + algLength + 8 + 4 + v.otherData.length);
  const view = new DataView(out.buffer);
  let o = encodeName(out, 0, key);
  view.setUint16(o, CLASS.ANY); // then TTL 0 (already zero)
  o = encodeName(out, o + 6, alg);
  // Fudge follows Time Signed directly (RFC 8945 §4.3.3 table).
  out.set(tsigTimers(v.timeSigned, v.fudge), o);
  view.setUint16(o + 8, v.error);
  view.setUint16(o + 10, v.otherData.length);
  out.set(v.otherData, o + 12);
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
  out.set(encodeU48(timeSigned), 0);
  new DataView(out.buffer).setUint16(6, fudge);
  return out;
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
