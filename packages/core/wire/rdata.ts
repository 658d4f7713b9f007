/**
 * RDATA codecs for the record types the node stores and serves
 * (RFC 1035 §3.3, RFC 3596, RFC 2782, RFC 8659). Values are kept in a
 * canonical presentation string in the store; these functions turn that
 * string into wire RDATA and back.
 *
 * This module is browser compatible.
 * @module
 */

import { LIMIT, TYPE } from "./constants.ts";
import { decodeName } from "./name.ts";
import { concatBytes, encodeNameBytes } from "./message.ts";
import { encodeFieldRdata, fieldRdataToValue } from "./rdata_fields.ts";
import { encodeSvcb, svcbToValue } from "./svcb.ts";
import { encodeLoc, locToValue } from "./loc.ts";
import { parseIpv4 } from "../values/ipv4.ts";
import { formatIpv6, parseIpv6 } from "../values/ipv6.ts";

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Splits a TXT value into ≤255-byte character-strings inside one RDATA
 * (RFC 1035 §3.3.14; brief §1.3: one RR per value, never one value over
 * several RRs). An empty value is one empty string.
 *
 * @example
 * ```ts
 * import { encodeTxtRdata } from "./rdata.ts";
 * if (encodeTxtRdata("A".repeat(500)).length !== 502) throw new Error();
 * ```
 */
export function encodeTxtRdata(value: string): Uint8Array {
  const bytes = encoder.encode(value);
  const n = Math.max(1, Math.ceil(bytes.length / LIMIT.CHARACTER_STRING));
  const out = new Uint8Array(bytes.length + n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const part = bytes.subarray(i * 255, Math.min(bytes.length, (i + 1) * 255));
    out[o++] = part.length;
    out.set(part, o);
    o += part.length;
  }
  return out;
}

/**
 * Reads the character-strings of TXT RDATA; null if malformed.
 *
 * @example
 * ```ts
 * import { decodeTxtStrings } from "./rdata.ts";
 * if (decodeTxtStrings(new Uint8Array([1, 65, 0]))?.length !== 2) throw new Error();
 * ```
 */
export function decodeTxtStrings(rdata: Uint8Array): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < rdata.length) {
    const len = rdata[pos];
    if (pos + 1 + len > rdata.length) return null;
    out.push(rdata.subarray(pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return out;
}

/**
 * Joins TXT character-strings and decodes them as strict UTF-8 (brief §3.1
 * step 5); null when the RDATA is malformed or not UTF-8.
 *
 * @example
 * ```ts
 * import { decodeTxtValue, encodeTxtRdata } from "./rdata.ts";
 * if (decodeTxtValue(encodeTxtRdata("héllo")) !== "héllo") throw new Error();
 * ```
 */
export function decodeTxtValue(rdata: Uint8Array): string | null {
  const strings = decodeTxtStrings(rdata);
  if (!strings) return null;
  try {
    return strictDecoder.decode(concatBytes(strings));
  } catch {
    return null;
  }
}

/** Fields of an SOA RDATA (RFC 1035 §3.3.13). */
export interface SoaFields {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/**
 * Encodes SOA RDATA.
 *
 * @example
 * ```ts
 * import { encodeSoaRdata } from "./rdata.ts";
 * const r = encodeSoaRdata({ mname: "ns", rname: "h", serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 });
 * if (r.length !== 4 + 3 + 20) throw new Error();
 * ```
 */
export function encodeSoaRdata(soa: SoaFields): Uint8Array {
  const tail = new Uint8Array(20);
  const v = new DataView(tail.buffer);
  v.setUint32(0, soa.serial >>> 0);
  v.setUint32(4, soa.refresh >>> 0);
  v.setUint32(8, soa.retry >>> 0);
  v.setUint32(12, soa.expire >>> 0);
  v.setUint32(16, soa.minimum >>> 0);
  return concatBytes([encodeNameBytes(soa.mname), encodeNameBytes(soa.rname), tail]);
}

/**
 * Decodes uncompressed SOA RDATA; null if malformed.
 *
 * @example
 * ```ts
 * import { decodeSoaRdata, encodeSoaRdata } from "./rdata.ts";
 * const s = { mname: "ns.a", rname: "h.a", serial: 9, refresh: 1, retry: 2, expire: 3, minimum: 4 };
 * if (decodeSoaRdata(encodeSoaRdata(s))?.serial !== 9) throw new Error();
 * ```
 */
export function decodeSoaRdata(rdata: Uint8Array): SoaFields | null {
  const m = decodeName(rdata, 0);
  if (!m.ok) return null;
  const r = decodeName(rdata, m.end);
  if (!r.ok || r.end + 20 !== rdata.length) return null;
  const v = new DataView(rdata.buffer, rdata.byteOffset + r.end, 20);
  return {
    mname: m.name,
    rname: r.name,
    serial: v.getUint32(0),
    refresh: v.getUint32(4),
    retry: v.getUint32(8),
    expire: v.getUint32(12),
    minimum: v.getUint32(16),
  };
}

/**
 * Encodes a stored value of the given type (canonical presentation, see
 * `MasterFileRecord.value`) as wire RDATA; null when the value is invalid.
 *
 * @example
 * ```ts
 * import { encodeRdata } from "./rdata.ts";
 * import { TYPE } from "./constants.ts";
 * if (encodeRdata(TYPE.A, "192.0.2.1")?.length !== 4) throw new Error();
 * ```
 */
export function encodeRdata(type: number, value: string): Uint8Array | null {
  try {
    switch (type) {
      case TYPE.TXT:
      case TYPE.SPF:
        return encodeTxtRdata(value);
      case TYPE.A:
        return parseIpv4(value);
      case TYPE.AAAA:
        return parseIpv6(value);
      case TYPE.NS:
      case TYPE.CNAME:
      case TYPE.PTR:
        return encodeNameBytes(value);
      case TYPE.MX: {
        const m = /^(\d{1,5}) (\S+)$/.exec(value);
        if (!m || Number(m[1]) > 65535) return null;
        return concatBytes([u16(Number(m[1])), encodeNameBytes(m[2])]);
      }
      case TYPE.SRV: {
        const m = /^(\d{1,5}) (\d{1,5}) (\d{1,5}) (\S+)$/.exec(value);
        if (!m || [m[1], m[2], m[3]].some((x) => Number(x) > 65535)) return null;
        return concatBytes([
          u16(Number(m[1])),
          u16(Number(m[2])),
          u16(Number(m[3])),
          encodeNameBytes(m[4]),
        ]);
      }
      case TYPE.CAA: {
        const m = /^(\d{1,3}) ([A-Za-z0-9]{1,15}) (.*)$/s.exec(value);
        if (!m || Number(m[1]) > 255) return null;
        const tag = encoder.encode(m[2].toLowerCase());
        return concatBytes([Uint8Array.of(Number(m[1]), tag.length), tag, encoder.encode(m[3])]);
      }
      case TYPE.SOA: {
        const p = value.split(" ");
        if (p.length !== 7 || p.slice(2).some((x) => !/^\d{1,10}$/.test(x))) return null;
        const n = p.slice(2).map(Number);
        if (n.some((x) => x > 0xffffffff)) return null;
        return encodeSoaRdata({
          mname: p[0],
          rname: p[1],
          serial: n[0],
          refresh: n[1],
          retry: n[2],
          expire: n[3],
          minimum: n[4],
        });
      }
      case TYPE.SVCB:
      case TYPE.HTTPS: {
        const r = encodeSvcb(value);
        return r.ok ? r.rdata : null;
      }
      case TYPE.LOC: {
        const r = encodeLoc(value);
        return r.ok ? r.rdata : null;
      }
      default: {
        // Field-described types and RFC 3597 `\# len hex` (rdata_fields.ts).
        const r = encodeFieldRdata(type, value);
        return r.ok ? r.rdata : null;
      }
    }
  } catch {
    // encodeNameBytes throws on invalid names; an invalid stored value is "no RDATA".
    return null;
  }
}

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

/**
 * Turns wire RDATA (uncompressed) of a writable type into the canonical stored
 * value (the inverse of {@linkcode encodeRdata}); null when malformed.
 *
 * @example
 * ```ts
 * import { encodeRdata, rdataToValue } from "./rdata.ts";
 * import { TYPE } from "./constants.ts";
 * if (rdataToValue(TYPE.MX, encodeRdata(TYPE.MX, "10 mail.example.com")!) !== "10 mail.example.com") throw new Error();
 * ```
 */
export function rdataToValue(type: number, rdata: Uint8Array): string | null {
  const nameAt = (offset: number): string | null => {
    const n = decodeName(rdata, offset);
    return n.ok && n.end === rdata.length ? n.name.toLowerCase() : null;
  };
  const u16At = (o: number) => (rdata[o] << 8) | rdata[o + 1];
  switch (type) {
    case TYPE.TXT:
    case TYPE.SPF:
      return decodeTxtValue(rdata);
    case TYPE.A:
      return rdata.length === 4 ? rdata.join(".") : null;
    case TYPE.AAAA:
      return rdata.length === 16 ? formatIpv6(rdata) : null;
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
      return nameAt(0);
    case TYPE.MX: {
      if (rdata.length < 3) return null;
      const n = nameAt(2);
      return n === null ? null : `${u16At(0)} ${n}`;
    }
    case TYPE.SRV: {
      if (rdata.length < 7) return null;
      const n = nameAt(6);
      return n === null ? null : `${u16At(0)} ${u16At(2)} ${u16At(4)} ${n}`;
    }
    case TYPE.CAA: {
      if (rdata.length < 2 || 2 + rdata[1] > rdata.length) return null;
      try {
        const tag = strictDecoder.decode(rdata.subarray(2, 2 + rdata[1]));
        const value = strictDecoder.decode(rdata.subarray(2 + rdata[1]));
        if (!/^[A-Za-z0-9]{1,15}$/.test(tag)) return null;
        return `${rdata[0]} ${tag.toLowerCase()} ${value}`;
      } catch {
        return null;
      }
    }
    case TYPE.SVCB:
    case TYPE.HTTPS:
      return svcbToValue(rdata);
    case TYPE.LOC:
      return locToValue(rdata);
    default:
      return fieldRdataToValue(type, rdata);
  }
}
