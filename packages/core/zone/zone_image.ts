/**
 * A zone image: one zone's RRsets, already grouped by owner and encoded as
 * answer-section bytes, in one buffer. The storage worker builds it from the
 * store's rows and transfers the buffer to the DNS thread (no structured
 * clone of one object per record, no RDATA encoding on the thread that
 * answers); the zone index reads it in one pass and keeps the RRsets' bytes
 * as views into it, so the image is the zone's only copy of them.
 *
 * Layout (numbers big-endian), one group per owner in order of first
 * publication: `u16 nameLength | name (UTF-8) | u8 setCount | setCount ×
 * (u16 type | u32 rrCount | u32 wireLength | rrCount × f64 expiresAt | wire)`.
 * `wire` is the RRset as {@linkcode IndexedRRset.wire} holds it: each RR with
 * its owner as a pointer to the question (C0 0C), type, class IN, TTL,
 * RDLENGTH and RDATA; types in order of first appearance, RRs in publish
 * order. `expiresAt` is seconds since the epoch, 0 = never.
 *
 * This module is browser compatible.
 * @module
 */

import { CLASS, LIMIT, POINTER_RR, TYPE, typeCode } from "../wire/constants.ts";
import { writeUint16, writeUint32 } from "../wire/network_order.ts";
import { encodeRdata } from "../wire/rdata.ts";
import { encodeTxtRdataSplit } from "../wire/txt_split.ts";
import type { StoredRecord } from "../store/records.ts";
import type { IndexedRecord, IndexedRRset } from "./zone_index.ts";

/** An RR on its way into an image. */
interface PendingRecord {
  type: number;
  rdata: Uint8Array;
  ttl: number;
  expiresAt: number;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Encodes the records of `zoneName` among `records` (publish order) into a
 * zone image. Records of other zones, unknown types and values that do not
 * encode are left out, as the index always did.
 */
export function encodeZoneImage(zoneName: string, records: readonly StoredRecord[]): Uint8Array {
  const owners = groupByOwner(zoneName, records);
  let size = 0;
  const names: Uint8Array[] = [];
  for (const [name, rrs] of owners) {
    const bytes = nameBytes(name);
    names.push(bytes);
    size += 2 + bytes.length + 1;
    const types = new Set<number>();
    for (const r of rrs) {
      types.add(r.type);
      size += 8 + POINTER_RR.HEADER_BYTES + r.rdata.length;
    }
    size += 10 * types.size;
  }
  const image = new Uint8Array(size);
  const view = new DataView(image.buffer);
  let pos = 0;
  let n = 0;
  for (const rrs of owners.values()) {
    const name = names[n++];
    writeUint16(image, pos, name.length);
    image.set(name, pos + 2);
    pos += 2 + name.length;
    const types: number[] = [];
    for (const r of rrs) if (!types.includes(r.type)) types.push(r.type);
    image[pos++] = types.length;
    for (const type of types) {
      let count = 0;
      let length = 0;
      for (const r of rrs) {
        if (r.type !== type) continue;
        count++;
        length += POINTER_RR.HEADER_BYTES + r.rdata.length;
      }
      writeUint16(image, pos, type);
      writeUint32(image, pos + 2, count);
      writeUint32(image, pos + 6, length);
      pos += 10;
      for (const r of rrs) {
        if (r.type !== type) continue;
        view.setFloat64(pos, r.expiresAt);
        pos += 8;
      }
      for (const r of rrs) {
        if (r.type !== type) continue;
        writeUint16(image, pos, 0xc000 | LIMIT.HEADER);
        writeUint16(image, pos + 2, type);
        writeUint16(image, pos + 4, CLASS.IN);
        writeUint32(image, pos + POINTER_RR.TTL_OFFSET, r.ttl);
        writeUint16(image, pos + 10, r.rdata.length);
        image.set(r.rdata, pos + POINTER_RR.HEADER_BYTES);
        pos += POINTER_RR.HEADER_BYTES + r.rdata.length;
      }
    }
  }
  return image;
}

/**
 * Reads a zone image in one pass: `fn(owner, rrsets)` per owner, in the
 * image's order. The RRsets' `wire` are views into `image` (no copy).
 * Throws on an image that does not parse (it only ever comes from
 * {@linkcode encodeZoneImage}, so that is a bug, never input).
 */
export function readZoneImage(
  image: Uint8Array,
  fn: (owner: string, rrsets: IndexedRRset[]) => void,
): void {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let pos = 0;
  while (pos < image.length) {
    const nameLength = view.getUint16(pos);
    const owner = asciiOrUtf8(image, pos + 2, nameLength);
    pos += 2 + nameLength;
    const setCount = image[pos++];
    const rrsets: IndexedRRset[] = new Array(setCount);
    for (let s = 0; s < setCount; s++) {
      const type = view.getUint16(pos);
      const count = view.getUint32(pos + 2);
      const length = view.getUint32(pos + 6);
      let expiry = pos + 10;
      const start = expiry + 8 * count;
      let rr = start;
      const end = rr + length;
      if (end > image.length) throw new Error("zone image: RRset runs past the end");
      const wire = image.subarray(start, end);
      let records: readonly IndexedRecord[];
      let firstExpiry = Infinity;
      if (count === 1 && view.getFloat64(expiry) === 0) {
        // The common RRset (one RR that never expires) shares its record list with every other
        // of its TTL: two objects fewer per name of a 100k-name zone.
        records = singleRecord(view.getUint32(rr + POINTER_RR.TTL_OFFSET));
        rr += POINTER_RR.HEADER_BYTES + view.getUint16(rr + 10);
      } else {
        const list: IndexedRecord[] = new Array(count);
        for (let i = 0; i < count; i++) {
          const expiresAt = view.getFloat64(expiry);
          expiry += 8;
          list[i] = {
            offset: rr - start,
            ttl: view.getUint32(rr + POINTER_RR.TTL_OFFSET),
            expiresAt,
          };
          if (expiresAt !== 0 && expiresAt < firstExpiry) firstExpiry = expiresAt;
          rr += POINTER_RR.HEADER_BYTES + view.getUint16(rr + 10);
        }
        records = list;
      }
      if (rr !== end) throw new Error("zone image: RRset length mismatch");
      rrsets[s] = { type, wire, records, expiring: firstExpiry !== Infinity, firstExpiry };
      pos = end;
    }
    fn(owner, rrsets);
  }
}

const singles = new Map<number, readonly IndexedRecord[]>();

/** The frozen record list of a one-RR RRset without expiry at offset 0 with `ttl`. */
function singleRecord(ttl: number): readonly IndexedRecord[] {
  let list = singles.get(ttl);
  if (!list) {
    singles.set(ttl, list = Object.freeze([Object.freeze({ offset: 0, ttl, expiresAt: 0 })]));
  }
  return list;
}

/** A name's bytes: plain ASCII (nearly every name) without the UTF-8 encoder. */
function nameBytes(name: string): Uint8Array {
  const out = new Uint8Array(name.length);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80) return utf8.encode(name);
    out[i] = c;
  }
  return out;
}

/** A name from the image: plain ASCII (nearly every name) without the UTF-8 decoder. */
function asciiOrUtf8(bytes: Uint8Array, start: number, length: number): string {
  const slice = bytes.subarray(start, start + length);
  for (let i = 0; i < length; i++) if (slice[i] >= 0x80) return utf8Decoder.decode(slice);
  return String.fromCharCode.apply(null, slice as unknown as number[]);
}

/** Groups the zone's records by owner, with RDATA encoded; unknown types are skipped. */
function groupByOwner(
  zoneName: string,
  records: readonly StoredRecord[],
): Map<string, PendingRecord[]> {
  const owners = new Map<string, PendingRecord[]>();
  for (const r of records) {
    if (r.zone !== zoneName) continue;
    const type = typeCode(r.type);
    if (type === undefined) continue;
    const rdata = (type === TYPE.TXT || type === TYPE.SPF) && r.txtSplit
      ? encodeTxtRdataSplit(r.value, r.txtSplit)
      : encodeRdata(type, r.value);
    if (!rdata) continue;
    let list = owners.get(r.name);
    if (!list) owners.set(r.name, list = []);
    list.push({ type, rdata, ttl: r.ttl, expiresAt: r.expiresAt });
  }
  return owners;
}
