/**
 * A zone image: one zone's RRsets, already grouped by owner and encoded as
 * answer-section bytes, in one buffer. The storage worker builds it from the
 * store's rows and transfers the buffer to the DNS thread (no structured
 * clone of one object per record, no RDATA encoding on the thread that
 * answers); the zone index reads it in one pass and keeps the RRsets' bytes
 * as views into its `wire` buffer, the zone's only copy of them, while the
 * `head` buffer (names, counts, expiries: what the index turns into its own
 * objects) is garbage once read.
 *
 * `head` (numbers big-endian), one group per owner in order of first
 * publication: `u16 nameLength | name (UTF-8) | u8 setCount | setCount ×
 * (u16 type | u32 rrCount | u32 wireLength | rrCount × f64 expiresAt)`.
 * `wire` holds the RRsets in the same order, each as {@linkcode IndexedRRset.wire} holds it: each RR with
 * its owner as a pointer to the question (C0 0C), type, class IN, TTL,
 * RDLENGTH and RDATA; types in order of first appearance, RRs in publish
 * order. `expiresAt` is seconds since the epoch, 0 = never.
 *
 * This module is browser compatible.
 * @module
 */

import { CLASS, LIMIT, POINTER_RR, TYPE, typeCode } from "../wire/constants.ts";
import { readUint16, readUint32, writeUint16, writeUint32 } from "../wire/network_order.ts";
import { encodeRdata } from "../wire/rdata.ts";
import { encodeTxtRdataSplit } from "../wire/txt_split.ts";
import type { StoredRecord } from "../store/records.ts";
import type { IndexedRecord, IndexedRRset } from "./zone_index.ts";

/**
 * A zone image in two buffers: `head` (owners, types, counts, expiries),
 * read once, and `wire` (the RRsets' answer bytes), which the index keeps.
 */
export interface ZoneImage {
  head: Uint8Array;
  wire: Uint8Array;
}

/**
 * The RRs of a zone's records (each as the wire holds it: header, then
 * RDATA), back to back in one growing buffer while its image is built;
 * when the wire's order is the records' order, the buffer becomes the wire.
 * A `Uint8Array` per record (a TXT value took three: its UTF-8 bytes, the
 * RDATA and a view per string) is slow for V8 to allocate and fills the
 * young generation: building a 100k-record image spent about a third of its
 * time in scavenges (issue 15, start-up).
 */
class RdataArena {
  bytes: Uint8Array;
  used = 0;

  /** @param expected bytes the caller expects to append (the buffer grows past it if need be) */
  constructor(expected: number) {
    this.bytes = new Uint8Array(Math.max(64, expected));
  }

  /** Makes room for `n` more bytes and returns where they start. */
  reserve(n: number): number {
    if (this.used + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + n));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    const start = this.used;
    this.used += n;
    return start;
  }

  /**
   * Appends a TXT value as canonical RDATA (RFC 1035 §3.3.14: 255-byte
   * character-strings, the last shorter, as `encodeTxtRdata` in
   * wire/rdata.ts writes it) without encoding it first; returns its length,
   * or -1 for a value that is not ASCII (the caller encodes that one).
   */
  appendAsciiTxt(value: string): number {
    const strings = value.length === 0 ? 1 : Math.ceil(value.length / LIMIT.CHARACTER_STRING);
    const length = value.length + strings;
    const start = this.reserve(length);
    const out = this.bytes;
    let o = start;
    for (let i = 0; i < value.length || o === start; i += LIMIT.CHARACTER_STRING) {
      const end = Math.min(value.length, i + LIMIT.CHARACTER_STRING);
      out[o++] = end - i;
      for (let k = i; k < end; k++) {
        const c = value.charCodeAt(k);
        if (c >= 0x80) {
          this.used = start;
          return -1;
        }
        out[o++] = c;
      }
    }
    return length;
  }

  /** Appends RDATA encoded elsewhere; returns its length. */
  append(rdata: Uint8Array): number {
    // reserve() first: it may replace `bytes` with a larger buffer.
    const at = this.reserve(rdata.length);
    this.bytes.set(rdata, at);
    return rdata.length;
  }
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Encodes the records of `zoneName` among `records` (publish order) into a
 * zone image. Records of other zones, unknown types and values that do not
 * encode are left out, as the index always did.
 */
export function encodeZoneImage(zoneName: string, records: readonly StoredRecord[]): ZoneImage {
  const builder = new ZoneImageBuilder(zoneName, {
    records: records.length,
    bytes: expectedWireBytes(records),
  });
  builder.add(records);
  return builder.finish();
}

/** Writes the image of records grouped by owner. */
function writeZoneImage(g: GroupedRecords): ZoneImage {
  const ownerCount = g.owners.length;
  const nameLengths = new Uint16Array(ownerCount);
  let headSize = 0;
  // Whether the wire's order (by owner, then type) is the records' slot order: then the RRs
  // already lie in the arena as the wire holds them (every record of a name-per-record zone).
  let inSlotOrder = true;
  let slot = 0;
  for (let o = 0; o < ownerCount; o++) {
    const nameLength = nameLengths[o] = utf8Length(g.owners[o]);
    const from = g.first[o];
    const to = g.first[o + 1];
    const types = typesOf(g, from, to);
    headSize += 2 + nameLength + 1 + 10 * types.length + 8 * (to - from);
    for (const type of types) {
      for (let k = from; k < to && inSlotOrder; k++) {
        const r = g.order[k];
        if (g.type[r] === type) inSlotOrder = r === slot++;
      }
    }
  }
  const head = new Uint8Array(headSize);
  const rrs = g.rrs;
  // The arena as it is when its slack is small (the size was a guess for other types than TXT):
  // a copy would fault in a second buffer of its size.
  const wire = !inSlotOrder
    ? new Uint8Array(g.rrBytes)
    : rrs.length - g.rrBytes <= Math.max(4096, rrs.length / 16)
    ? rrs.subarray(0, g.rrBytes)
    : rrs.slice(0, g.rrBytes);
  const view = new DataView(head.buffer);
  let pos = 0;
  let w = 0;
  for (let o = 0; o < ownerCount; o++) {
    const nameLength = nameLengths[o];
    writeUint16(head, pos, nameLength);
    writeName(head, pos + 2, g.owners[o], nameLength);
    pos += 2 + nameLength;
    const from = g.first[o];
    const to = g.first[o + 1];
    const types = typesOf(g, from, to);
    head[pos++] = types.length;
    for (const type of types) {
      let count = 0;
      let length = 0;
      for (let k = from; k < to; k++) {
        const r = g.order[k];
        if (g.type[r] !== type) continue;
        count++;
        length += g.length[r];
      }
      writeUint16(head, pos, type);
      writeUint32(head, pos + 2, count);
      writeUint32(head, pos + 6, length);
      pos += 10;
      for (let k = from; k < to; k++) {
        const r = g.order[k];
        if (g.type[r] !== type) continue;
        view.setFloat64(pos, g.expiresAt[r]);
        pos += 8;
        if (inSlotOrder) continue;
        // A byte loop: a subarray per record to copy with set() is the allocation the arena saves.
        for (let i = g.start[r], end = i + g.length[r]; i < end; i++) wire[w++] = rrs[i];
      }
    }
  }
  return { head, wire };
}

/**
 * Reads a zone image in one pass: `fn(owner, rrsets)` per owner, in the
 * image's order. The RRsets' `wire` are views into `image.wire` (no copy,
 * made on each read);
 * `image.head` is not referenced afterwards. Throws on an image that does
 * not parse (it only ever comes from {@linkcode encodeZoneImage}, so that
 * is a bug, never input).
 */
export function readZoneImage(
  image: ZoneImage,
  fn: (owner: string, rrsets: IndexedRRset[]) => void,
): void {
  const { head, wire: bytes } = image;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const wires = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let w = 0;
  while (pos < head.length) {
    const nameLength = view.getUint16(pos);
    const owner = asciiOrUtf8(head, pos + 2, nameLength);
    pos += 2 + nameLength;
    const setCount = head[pos++];
    const rrsets: IndexedRRset[] = new Array(setCount);
    for (let s = 0; s < setCount; s++) {
      const type = view.getUint16(pos);
      const count = view.getUint32(pos + 2);
      const length = view.getUint32(pos + 6);
      let expiry = pos + 10;
      pos = expiry + 8 * count;
      const start = w;
      const end = w + length;
      if (pos > head.length || end > bytes.length) {
        throw new Error("zone image: RRset runs past the end");
      }
      let records: readonly IndexedRecord[];
      let firstExpiry = Infinity;
      if (count === 1 && view.getFloat64(expiry) === 0) {
        // The common RRset (one RR that never expires) shares its record list with every other
        // of its TTL: two objects fewer per name of a 100k-name zone.
        records = singleRecord(wires.getUint32(w + POINTER_RR.TTL_OFFSET));
        w += POINTER_RR.HEADER_BYTES + wires.getUint16(w + 10);
      } else {
        const list: IndexedRecord[] = new Array(count);
        for (let i = 0; i < count; i++) {
          const expiresAt = view.getFloat64(expiry);
          expiry += 8;
          list[i] = {
            offset: w - start,
            ttl: wires.getUint32(w + POINTER_RR.TTL_OFFSET),
            expiresAt,
          };
          if (expiresAt !== 0 && expiresAt < firstExpiry) firstExpiry = expiresAt;
          w += POINTER_RR.HEADER_BYTES + wires.getUint16(w + 10);
        }
        records = list;
      }
      if (w !== end) throw new Error("zone image: RRset length mismatch");
      rrsets[s] = new ImageRRset(type, bytes, start, end, records, firstExpiry);
    }
    fn(owner, rrsets);
  }
  if (w !== bytes.length) throw new Error("zone image: wire bytes left over");
}

/**
 * Whether the image holds an RRset of one of `types`, read from `head` alone
 * (no owner decoded, no RRset built): the index asks it before a patch, to
 * know whether the patch may add a zone cut or a DNAME.
 *
 * @example
 * ```ts
 * import { encodeZoneImage, zoneImageHasType } from "./zone_image.ts";
 * const image = encodeZoneImage("z.test", [{ id: 1, zone: "z.test", name: "a.z.test",
 *   type: "TXT", value: "v", ttl: 60, createdAt: 0, expiresAt: 0 }]);
 * if (!zoneImageHasType(image, [16]) || zoneImageHasType(image, [2, 39])) throw new Error();
 * ```
 */
export function zoneImageHasType(image: ZoneImage, types: readonly number[]): boolean {
  let found = false;
  scanHead(image.head, () => {}, (type) => {
    found ||= types.includes(type);
  });
  return found;
}

/**
 * The owner names of an image, in its order, read from `head` alone.
 *
 * @example
 * ```ts
 * import { encodeZoneImage, zoneImageOwners } from "./zone_image.ts";
 * const rr = (name: string) => ({ id: 1, zone: "z.test", name, type: "TXT", value: "v",
 *   ttl: 60, createdAt: 0, expiresAt: 0 });
 * const image = encodeZoneImage("z.test", [rr("b.z.test"), rr("a.z.test"), rr("b.z.test")]);
 * if (zoneImageOwners(image).join() !== "b.z.test,a.z.test") throw new Error();
 * ```
 */
export function zoneImageOwners(image: ZoneImage): string[] {
  const owners: string[] = [];
  const head = image.head;
  scanHead(head, (pos, length) => {
    owners.push(asciiOrUtf8(head, pos, length));
  }, () => {});
  return owners;
}

/** Walks the head's groups: `owner(pos, length)` per owner, `set(type)` per RRset. */
function scanHead(
  head: Uint8Array,
  owner: (pos: number, length: number) => void,
  set: (type: number) => void,
): void {
  let pos = 0;
  while (pos < head.length) {
    const nameLength = readUint16(head, pos);
    owner(pos + 2, nameLength);
    pos += 2 + nameLength;
    const setCount = head[pos++];
    for (let s = 0; s < setCount; s++) {
      set(readUint16(head, pos));
      pos += 10 + 8 * readUint32(head, pos + 2);
    }
  }
}

/**
 * An RRset of a zone image: its bytes are a range of the image's, viewed when
 * read. A `Uint8Array` view held per RRset costs about 100 bytes, as much as
 * the rest of the RRset's object: 8 MiB of a 100k-name zone (issue 15, memory).
 */
class ImageRRset implements IndexedRRset {
  constructor(
    readonly type: number,
    readonly image: Uint8Array,
    readonly start: number,
    readonly end: number,
    readonly records: readonly IndexedRecord[],
    readonly firstExpiry: number,
  ) {}

  get wire(): Uint8Array {
    return this.image.subarray(this.start, this.end);
  }

  get expiring(): boolean {
    return this.firstExpiry !== Infinity;
  }
}

const singles = new Map<number, readonly IndexedRecord[]>();

/** The last list {@linkcode singleRecord} returned: a zone's RRsets mostly share one TTL. */
let lastSingle: readonly IndexedRecord[] | undefined;

/** The frozen record list of a one-RR RRset without expiry at offset 0 with `ttl`. */
function singleRecord(ttl: number): readonly IndexedRecord[] {
  if (lastSingle?.[0].ttl === ttl) return lastSingle;
  let list = singles.get(ttl);
  if (!list) {
    list = Object.freeze([Object.freeze({ offset: 0, ttl, expiresAt: 0 })]);
    singles.set(ttl, list);
  }
  return lastSingle = list;
}

/** A name's length in UTF-8: plain ASCII (nearly every name) counted without encoding it. */
function utf8Length(name: string): number {
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) >= 0x80) return utf8.encode(name).length;
  }
  return name.length;
}

/** Writes a name of `length` UTF-8 bytes at `pos`: ASCII byte by byte, no buffer per name. */
function writeName(out: Uint8Array, pos: number, name: string, length: number): void {
  if (length !== name.length) {
    out.set(utf8.encode(name), pos);
    return;
  }
  for (let i = 0; i < length; i++) out[pos + i] = name.charCodeAt(i);
}

/** A name from the image: plain ASCII (nearly every name) without the UTF-8 decoder. */
function asciiOrUtf8(bytes: Uint8Array, start: number, length: number): string {
  const slice = bytes.subarray(start, start + length);
  for (let i = 0; i < length; i++) if (slice[i] >= 0x80) return utf8Decoder.decode(slice);
  return String.fromCharCode.apply(null, slice as unknown as number[]);
}

/**
 * A zone's records grouped by owner, in columns: record `r` (a slot in
 * publish order) has `type[r]`, `expiresAt[r]` and its whole RR
 * as the wire holds it (header and RDATA) at `rrs[start[r] .. start[r] +
 * length[r]]`, records back to back in slot order up to `rrBytes`; owner
 * `o` (in order of first publication) holds the records `order[first[o] ..
 * first[o + 1]]`, in publish order. No object per record (issue 15, start-up).
 */
interface GroupedRecords {
  owners: string[];
  first: Int32Array;
  order: Int32Array;
  type: Uint16Array;
  expiresAt: Float64Array;
  start: Int32Array;
  length: Int32Array;
  rrs: Uint8Array;
  rrBytes: number;
}

/**
 * Builds a zone image from its records added batch by batch in publish
 * order (a zone load adds a page of rows at a time and lets it go, so no
 * record object outlives its page). Each record's RR is encoded as it is
 * added, into an arena sized by `expected` (it grows past it if need be);
 * {@linkcode finish} groups them by owner.
 */
export class ZoneImageBuilder {
  #zoneName: string;
  #arena: RdataArena;
  #type: Uint16Array;
  #expiresAt: Float64Array;
  #start: Int32Array;
  #length: Int32Array;
  #ownerOf: Int32Array;
  #ownerIds = new Map<string, number>();
  #owners: string[] = [];
  #count = 0;
  #lastCreatedAt = -Infinity;
  #lastId = -Infinity;
  #inPublishOrder = true;

  /**
   * @param zoneName the zone's apex; records of other zones are left out
   * @param expected records and wire bytes the caller expects (see {@linkcode expectedWireBytes})
   */
  constructor(zoneName: string, expected: { records: number; bytes: number }) {
    this.#zoneName = zoneName;
    this.#arena = new RdataArena(expected.bytes);
    const n = Math.max(16, expected.records);
    this.#type = new Uint16Array(n);
    this.#expiresAt = new Float64Array(n);
    this.#start = new Int32Array(n);
    this.#length = new Int32Array(n);
    this.#ownerOf = new Int32Array(n);
  }

  /**
   * Whether every record came after the one before in publish order (created_at, then id,
   * brief §1.6): a zone read by id (its pages) is, unless a clock went back, and otherwise must
   * be read again and sorted.
   */
  get inPublishOrder(): boolean {
    return this.#inPublishOrder;
  }

  /** Adds records, after every record added so far; unknown types and values that do not encode are left out. */
  add(records: readonly StoredRecord[]): void {
    const arena = this.#arena;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      if (
        r.createdAt < this.#lastCreatedAt ||
        (r.createdAt === this.#lastCreatedAt && r.id < this.#lastId)
      ) this.#inPublishOrder = false;
      this.#lastCreatedAt = r.createdAt;
      this.#lastId = r.id;
      if (r.zone !== this.#zoneName) continue;
      const code = typeCode(r.type);
      if (code === undefined) continue;
      // The RR's header first, its RDLENGTH once the RDATA is written (RRs are copied whole).
      const at = arena.reserve(POINTER_RR.HEADER_BYTES);
      let bytes = -1;
      if (code === TYPE.TXT || code === TYPE.SPF) {
        if (r.txtSplit) bytes = arena.append(encodeTxtRdataSplit(r.value, r.txtSplit));
        else bytes = arena.appendAsciiTxt(r.value);
      }
      if (bytes < 0) {
        const encoded = encodeRdata(code, r.value);
        if (!encoded) {
          arena.used = at;
          continue;
        }
        bytes = arena.append(encoded);
      }
      writeRrHeader(arena.bytes, at, code, r.ttl, bytes);
      let owner = this.#ownerIds.get(r.name);
      if (owner === undefined) {
        this.#ownerIds.set(r.name, owner = this.#owners.length);
        this.#owners.push(r.name);
      }
      if (this.#count === this.#type.length) this.#grow();
      const slot = this.#count++;
      this.#type[slot] = code;
      this.#expiresAt[slot] = r.expiresAt;
      this.#start[slot] = at;
      this.#length[slot] = POINTER_RR.HEADER_BYTES + bytes;
      this.#ownerOf[slot] = owner;
    }
  }

  /** The image of every record added (the builder is spent). */
  finish(): ZoneImage {
    return writeZoneImage(this.#grouped());
  }

  #grow(): void {
    const n = this.#type.length * 2;
    const grow = <T extends Uint16Array | Float64Array | Int32Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.#type = grow(this.#type, new Uint16Array(n));
    this.#expiresAt = grow(this.#expiresAt, new Float64Array(n));
    this.#start = grow(this.#start, new Int32Array(n));
    this.#length = grow(this.#length, new Int32Array(n));
    this.#ownerOf = grow(this.#ownerOf, new Int32Array(n));
  }

  /** The records grouped by owner: a counting sort, stable, so each owner's stay in publish order. */
  #grouped(): GroupedRecords {
    const owners = this.#owners;
    const count = this.#count;
    const ownerOf = this.#ownerOf;
    const first = new Int32Array(owners.length + 1);
    for (let r = 0; r < count; r++) first[ownerOf[r] + 1]++;
    for (let o = 0; o < owners.length; o++) first[o + 1] += first[o];
    const next = first.slice(0, owners.length);
    const order = new Int32Array(count);
    for (let r = 0; r < count; r++) order[next[ownerOf[r]]++] = r;
    return {
      owners,
      first,
      order,
      type: this.#type,
      expiresAt: this.#expiresAt,
      start: this.#start,
      length: this.#length,
      rrs: this.#arena.bytes,
      rrBytes: this.#arena.used,
    };
  }
}

/**
 * The wire bytes of `records` for {@linkcode ZoneImageBuilder} (ASCII TXT
 * values exactly; 64 bytes of RDATA for any other), so that the arena of a
 * zone of ASCII TXT records is the exact size of its wire and becomes it
 * without a copy.
 */
export function expectedWireBytes(records: readonly StoredRecord[]): number {
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    bytes += r.type === "TXT" ? expectedTxtWireBytes(r.value.length) : POINTER_RR.HEADER_BYTES + 64;
  }
  return bytes;
}

/**
 * The wire bytes of an RR whose TXT value is `chars` ASCII characters: header, and the value in
 * 255-byte character-strings (at least one), each with its length byte.
 */
function expectedTxtWireBytes(chars: number): number {
  return POINTER_RR.HEADER_BYTES + chars + Math.max(1, Math.ceil(chars / LIMIT.CHARACTER_STRING));
}

/**
 * {@linkcode expectedWireBytes} from a zone's size alone (store/records.ts
 * `zoneRecordsSize`), for a load that reads its records page by page: exact
 * for ASCII TXT values of one character-string, the common DMP record.
 */
export function expectedWireBytesOfSize(
  size: { records: number; valueChars: number; txtRecords: number },
): number {
  return size.records * POINTER_RR.HEADER_BYTES + size.valueChars + size.txtRecords +
    (size.records - size.txtRecords) * 64;
}

/** Writes an RR header as {@linkcode IndexedRRset.wire} has it: pointer, type, class IN, TTL, RDLENGTH. */
function writeRrHeader(out: Uint8Array, at: number, type: number, ttl: number, rdlength: number) {
  writeUint16(out, at, 0xc000 | LIMIT.HEADER);
  writeUint16(out, at + 2, type);
  writeUint16(out, at + 4, CLASS.IN);
  writeUint32(out, at + POINTER_RR.TTL_OFFSET, ttl);
  writeUint16(out, at + 10, rdlength);
}

/** The distinct types among the records `order[from .. to]`, in order of first appearance. */
function typesOf(g: GroupedRecords, from: number, to: number): number[] {
  const types = [g.type[g.order[from]]];
  for (let k = from + 1; k < to; k++) {
    const t = g.type[g.order[k]];
    if (!types.includes(t)) types.push(t);
  }
  return types;
}
