/**
 * The query hot path's answer table: (owner name, type) → the answer section,
 * packed in one byte arena behind one open-addressing table, like NSD's and
 * Knot's compiled zones. A hit costs a probe of a typed array and one run of
 * adjacent bytes; no string is built and no object graph walked. It is a
 * cache of the {@linkcode ZoneIndex}, which decides what may go in (names
 * under their own zone, no CNAME owners, RRsets that fit a UDP answer) and
 * answers everything else: ANY, chains, referrals, partly expired RRsets.
 *
 * Negative answers come from the same table ({@linkcode AnswerTable.negative}):
 * every existing name and empty non-terminal has a name mark (its types), and
 * every apex a zone mark, so the common DMP miss (a nonexistent
 * `slot-K.mb-…` name) is decided NXDOMAIN by probing the name and its
 * suffixes, with no string built (RFC 2308 §2.1, §2.2).
 *
 * Keys are the canonical name as lower-case dotted ASCII bytes, exactly what
 * the query parser gathers from a question without escapes, hashed with
 * FNV-1a (`hash/fnv1a.ts`) as the parser reads them.
 *
 * Entry layout (offsets from the entry; numbers big-endian): `u8 n | name[n] |
 * u8 kind | body`, where the body of an answer is `u16 type | u16 rrCount |
 * u16 wireLength | u8 patchCount | f64 firstExpiry | patchCount × (u16 offset,
 * u32 ttl, f64 expiresAt) | u32 buffer | u32 offset`, of a name mark `u8 flags | f64 firstExpiry |
 * u8 typeCount | typeCount × u16 type`, and of a zone mark `u8 simple | u16 slot`.
 *
 * An answer's bytes are not copied in: the entry points at the RRset's own
 * bytes (`buffer` numbers the buffer, `offset` is where the RRset starts in
 * it), which the index keeps anyway, views into the zone image of the last
 * load (`zone_image.ts`). The answer bytes are held once.
 *
 * This module is browser compatible.
 * @module
 */

import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";
import { POINTER_RR } from "../wire/constants.ts";
import { writeUint32 } from "../wire/network_order.ts";
import { RCODE, TYPE } from "../wire/constants.ts";
import type { IndexedRRset, IndexedZone } from "./zone_index.ts";

/** Answer sections larger than this are left to the index (they truncate over UDP anyway). */
export const ANSWER_TABLE_MAX_WIRE = 4096;

const EMPTY = 0;
const DELETED = -1;
/**
 * Load of the open-addressing slots: live entries fill at most 1/LIVE_LOAD_DEN of them (past
 * that the slots double), live and deleted together at most FILLED_LOAD_NUM/FILLED_LOAD_DEN
 * (past that they are rebuilt without tombstones). A slot holds the full 32-bit hash, so a probe
 * of a taken slot rarely reads the arena, and eight slots share a cache line: half full costs
 * about as much per lookup as a quarter, in half the memory (4 MiB less for a 100k-name zone).
 */
const LIVE_LOAD_DEN = 2;
const FILLED_LOAD_NUM = 3;
const FILLED_LOAD_DEN = 4;
const HEAD = 15; // type, rrCount, wireLength, patchCount, firstExpiry
const PATCH = 14;

/** Entry kinds (the byte after the name). */
const ANSWER = 0;
const NAME = 1;
const ZONE = 2;

/** Name mark flags. */
const COMPLETE = 1;
const EMPTY_NON_TERMINAL = 2;

/** What {@linkcode AnswerTable.markName} records about an existing name. */
export interface NameMark {
  /**
   * Every type the name has is listed and a type not listed is NODATA: the
   * name is under its zone, not the apex, has no CNAME, is not at or below a
   * zone cut and not below a DNAME (the index's own rules for the table).
   */
  complete: boolean;
  /** the name has no RRs of its own, only names below it (RFC 8020) */
  emptyNonTerminal: boolean;
  /** earliest expiry among its RRs (Infinity when none): from then on the index decides */
  firstExpiry: number;
  /** its RR types (empty for an empty non-terminal) */
  types: readonly number[];
}

/** Pre-encoded answers by (name, type). */
export class AnswerTable {
  /** pairs per slot: key hash (0 = empty) and entry offset (-1 = deleted) */
  #slots = new Int32Array(2 * 1024);
  #mask = 1023;
  #filled = 0;
  #count = 0;
  /** answer entries (marks not counted) */
  #answers = 0;
  /** the buffers answers point into, by number, and how many answers point into each */
  #buffers: (Uint8Array | undefined)[] = [];
  #bufferRefs: number[] = [];
  #bufferNumbers = new Map<ArrayBufferLike, number>();
  /** numbers of released buffers, for reuse (journal patches bring a buffer each) */
  #freeBuffers: number[] = [];
  /** lengths of the apexes with a zone mark, longest first (what negative() tries as suffixes) */
  #apexLengths: number[] = [];
  /** the zones of zone marks, by slot */
  #zones: (IndexedZone | undefined)[] = [];
  #arena = new Uint8Array(64 * 1024);
  #view = new DataView(this.#arena.buffer);
  #used = 0;
  #garbage = 0;

  /** Entries held. */
  get size(): number {
    return this.#answers;
  }

  /** Arena bytes in use (live and not yet compacted). */
  get arenaBytes(): number {
    return this.#used;
  }

  /**
   * Makes room for `entries` more entries of `bytes` arena bytes in all, in
   * one growth: a whole zone tabulated entry by entry would otherwise copy
   * the arena and rehash the slots at every step of its growth.
   */
  reserve(entries: number, bytes: number): void {
    // An eighth to spare: `bytes` is already an upper bound, and patches come name by name.
    this.#reserve(bytes, 1.125);
    let capacity = this.#mask + 1;
    while (LIVE_LOAD_DEN * (this.#count + entries + 1) > capacity) capacity *= 2;
    if (capacity > this.#mask + 1) {
      this.#mask = capacity - 1;
      this.#rehashInto(capacity);
    }
  }

  /** Drops every entry. */
  clear(): void {
    this.#slots = new Int32Array(2 * 1024);
    this.#mask = 1023;
    this.#filled = 0;
    this.#count = 0;
    this.#answers = 0;
    this.#zones = [];
    this.#apexLengths = [];
    this.#buffers = [];
    this.#bufferRefs = [];
    this.#bufferNumbers = new Map();
    this.#freeBuffers = [];
    this.#arena = new Uint8Array(64 * 1024);
    this.#view = new DataView(this.#arena.buffer);
    this.#used = 0;
    this.#garbage = 0;
  }

  /**
   * Stores the answer for `name` (canonical, lower case) and the RRset's type,
   * replacing any earlier one. Names that need escaping and RRsets over
   * {@linkcode ANSWER_TABLE_MAX_WIRE} bytes are not stored; false then.
   */
  set(name: string, rrset: IndexedRRset): boolean {
    const n = name.length;
    const wire = rrset.wire;
    if (n > 253 || wire.length > ANSWER_TABLE_MAX_WIRE) return false;
    let patches = 0;
    for (const r of rrset.records) if (r.expiresAt !== 0) patches++;
    if (patches > 255) return false;
    let hash = FNV1A_START;
    for (let i = 0; i < n; i++) {
      const c = name.charCodeAt(i);
      // Only what the parser's plain path produces: printable ASCII, no escape, no capitals.
      if (c <= 0x20 || c >= 0x7f || c === 0x5c || (c >= 0x41 && c <= 0x5a)) return false;
      hash = fnv1aStep(hash, c);
    }
    const key = keyHash(hash, rrset.type);
    const old = this.#slotOf(name, ANSWER, rrset.type, key);
    if (old >= 0) {
      this.#drop(old);
      this.#answers--;
    }
    const size = 2 + n + HEAD + patches * PATCH + 8;
    const e = this.#begin(name, ANSWER, size);
    const a = this.#arena;
    const v = this.#view;
    let p = e + 2 + n;
    v.setUint16(p, rrset.type);
    v.setUint16(p + 2, rrset.records.length);
    v.setUint16(p + 4, wire.length);
    a[p + 6] = patches;
    v.setFloat64(p + 7, rrset.firstExpiry);
    p += HEAD;
    for (const r of rrset.records) {
      if (r.expiresAt === 0) continue;
      v.setUint16(p, r.offset);
      v.setUint32(p + 2, r.ttl);
      v.setFloat64(p + 6, r.expiresAt);
      p += PATCH;
    }
    v.setUint32(p, this.#holdBuffer(wire.buffer));
    v.setUint32(p + 4, wire.byteOffset);
    this.#used = e + size;
    this.#insert(key, e);
    this.#count++;
    this.#answers++;
    return true;
  }

  /** The number of `buffer` in {@linkcode #buffers}, one more answer pointing into it. */
  #holdBuffer(buffer: ArrayBufferLike): number {
    let b = this.#bufferNumbers.get(buffer);
    if (b === undefined) {
      b = this.#freeBuffers.pop() ?? this.#buffers.length;
      this.#buffers[b] = new Uint8Array(buffer);
      this.#bufferRefs[b] = 0;
      this.#bufferNumbers.set(buffer, b);
    }
    this.#bufferRefs[b]++;
    return b;
  }

  /** One answer fewer points into buffer `b`; the last one lets it go. */
  #releaseBuffer(b: number): void {
    if (--this.#bufferRefs[b] > 0) return;
    this.#bufferNumbers.delete(this.#buffers[b]!.buffer);
    this.#buffers[b] = undefined;
    this.#freeBuffers.push(b);
  }

  /** Removes the answer for (name, type), if any. */
  delete(name: string, type: number): void {
    const s = this.#slotOf(name, ANSWER, type);
    if (s < 0) return;
    this.#drop(s);
    this.#answers--;
  }

  /**
   * Records that `name` exists in its zone (with RRs, or as an empty
   * non-terminal), replacing an earlier mark. Names the table cannot key
   * (escapes, capitals) are not marked: queries for them never reach it.
   */
  markName(name: string, mark: NameMark): void {
    // One hash for the lookup of the old mark and the insert of the new one.
    const key = markHash(nameHash(name), NAME);
    const old = this.#slotOf(name, NAME, 0, key);
    if (old >= 0) this.#drop(old);
    if (!plainName(name)) return;
    const types = mark.types.length > 255 ? [] : mark.types;
    const complete = mark.complete && types.length === mark.types.length;
    const n = name.length;
    const size = 2 + n + 10 + 2 * types.length;
    const e = this.#begin(name, NAME, size);
    const p = e + 2 + n;
    this.#arena[p] = (complete ? COMPLETE : 0) | (mark.emptyNonTerminal ? EMPTY_NON_TERMINAL : 0);
    this.#view.setFloat64(p + 1, mark.firstExpiry);
    this.#arena[p + 9] = types.length;
    for (let i = 0; i < types.length; i++) this.#view.setUint16(p + 10 + 2 * i, types[i]);
    this.#used = e + size;
    this.#insert(key, e);
    this.#count++;
  }

  /** Forgets that `name` exists. */
  unmarkName(name: string): void {
    const s = this.#slotOf(name, NAME, 0);
    if (s >= 0) this.#drop(s);
  }

  /**
   * Records a zone apex: negative answers for names under it carry `zone`'s
   * SOA. `simple` says a name without a mark is NXDOMAIN: the zone has no
   * zone cut, DNAME or wildcard that could answer it otherwise.
   */
  markZone(zone: IndexedZone, simple: boolean): void {
    this.unmarkZone(zone.name);
    if (!plainName(zone.name)) return;
    let slot = this.#zones.indexOf(zone);
    if (slot < 0) slot = this.#zones.indexOf(undefined);
    if (slot < 0) slot = this.#zones.push(zone) - 1;
    if (slot > 0xffff) return;
    this.#zones[slot] = zone;
    const n = zone.name.length;
    const e = this.#begin(zone.name, ZONE, 2 + n + 3);
    this.#arena[e + 2 + n] = simple ? 1 : 0;
    this.#view.setUint16(e + 3 + n, slot);
    this.#used = e + 2 + n + 3;
    this.#insert(markHash(nameHash(zone.name), ZONE), e);
    this.#count++;
    this.#countApexLengths();
  }

  /** Rebuilds {@linkcode #apexLengths} from the zones marked (zone changes are rare). */
  #countApexLengths(): void {
    const lengths = new Set<number>();
    for (const z of this.#zones) if (z) lengths.add(z.name.length);
    this.#apexLengths = [...lengths].sort((a, b) => b - a);
  }

  /** Forgets a zone apex. */
  unmarkZone(apex: string): void {
    const s = this.#slotOf(apex, ZONE, 0);
    if (s < 0) return;
    const e = this.#slots[2 * s + 1];
    const slot = this.#view.getUint16(e + 3 + this.#arena[e]);
    if (this.#zones[slot]?.name === apex) this.#zones[slot] = undefined;
    this.#drop(s);
    this.#countApexLengths();
  }

  /** The zone of the last {@linkcode negative} answer. */
  negativeZone: IndexedZone | undefined;
  /**
   * Where the zone's apex starts in the key of the last
   * {@linkcode negative} answer, which is also its offset in the question
   * after the header (dotted and wire names have the same lengths); -1 for
   * the root zone.
   */
  negativeApexAt = -1;

  /**
   * The negative answer for `key[0..length)` and `type`, when the marks
   * decide it: {@linkcode RCODE.NXDOMAIN} (no mark, in a zone without cuts,
   * DNAMEs or wildcards), {@linkcode RCODE.NOERROR} for NODATA (an empty
   * non-terminal, or a completely marked name without the type), else -1 and
   * the index decides. The zone is left in {@linkcode negativeZone}.
   */
  negative(key: Uint8Array, length: number, hash: number, type: number, now: number): number {
    const e = this.#findMark(key, 0, length, markHash(hash, NAME), NAME);
    let rcode: number = RCODE.NXDOMAIN;
    if (e >= 0) {
      const a = this.#arena;
      const p = e + 2 + length;
      const flags = a[p];
      if ((flags & EMPTY_NON_TERMINAL) === 0) {
        if ((flags & COMPLETE) === 0 || type === TYPE.ANY) return -1;
        if (now >= this.#view.getFloat64(p + 1)) return -1;
        const count = a[p + 9];
        for (let i = 0; i < count; i++) {
          if (((a[p + 10 + 2 * i] << 8) | a[p + 11 + 2 * i]) === type) return -1;
        }
      }
      rcode = RCODE.NOERROR;
    }
    // The closest apex among the name's suffixes (zones do not nest while the table is used).
    // Only suffixes as long as some apex are hashed: a 127-label name costs what a short one
    // does, not a hash of each of its suffixes.
    const lengths = this.#apexLengths;
    for (let i = 0; i < lengths.length; i++) {
      const start = length - lengths[i];
      // A suffix starts at a label: the whole name, after a dot, or the root (empty).
      if (start < 0 || (start > 0 && start < length && key[start - 1] !== 0x2e)) continue;
      let h = FNV1A_START;
      for (let j = start; j < length; j++) h = fnv1aStep(h, key[j]);
      const z = this.#findMark(key, start, length, markHash(h, ZONE), ZONE);
      if (z < 0) continue;
      const p = z + 2 + (length - start);
      if (rcode === RCODE.NXDOMAIN && this.#arena[p] === 0) return -1;
      this.negativeZone = this.#zones[this.#view.getUint16(p + 1)];
      this.negativeApexAt = start === length ? -1 : start;
      return this.negativeZone ? rcode : -1;
    }
    return -1;
  }

  /**
   * The entry answering `key[0..length)` (the parser's name bytes, hashed
   * into `nameHash` with {@linkcode fnv1aStep}) for `type`, or -1. An entry
   * whose first RR has expired at `now` is a miss: the index answers it.
   */
  find(key: Uint8Array, length: number, nameHash: number, type: number, now: number): number {
    const h = keyHash(nameHash, type);
    const a = this.#arena;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let s = h & mask;; s = (s + 1) & mask) {
      const sh = slots[2 * s];
      if (sh === EMPTY) return -1;
      if (sh !== h) continue;
      const e = slots[2 * s + 1];
      if (e === DELETED || a[e] !== length) continue;
      let i = 0;
      while (i < length && a[e + 1 + i] === key[i]) i++;
      if (i !== length || a[e + 1 + length] !== ANSWER) continue;
      const p = e + 2 + length;
      if (((a[p] << 8) | a[p + 1]) !== type) continue;
      return now < this.#view.getFloat64(p + 7) ? e : -1;
    }
  }

  /** The mark entry of `kind` for `key[start..end)` (hashed into `h`), or -1. */
  #findMark(key: Uint8Array, start: number, end: number, h: number, kind: number): number {
    const a = this.#arena;
    const slots = this.#slots;
    const mask = this.#mask;
    const n = end - start;
    for (let s = h & mask;; s = (s + 1) & mask) {
      const sh = slots[2 * s];
      if (sh === EMPTY) return -1;
      if (sh !== h) continue;
      const e = slots[2 * s + 1];
      if (e === DELETED || a[e] !== n) continue;
      let i = 0;
      while (i < n && a[e + 1 + i] === key[start + i]) i++;
      if (i === n && a[e + 1 + n] === kind) return e;
    }
  }

  /**
   * The slot of the entry of `kind` (and `type`, for answers) keyed by `name`, or -1; `h` is
   * the entry's hash when the caller has it already.
   */
  #slotOf(
    name: string,
    kind: number,
    type: number,
    h = kind === ANSWER ? keyHash(nameHash(name), type) : markHash(nameHash(name), kind),
  ): number {
    const n = name.length;
    if (n > 253) return -1;
    const a = this.#arena;
    for (let s = h & this.#mask;; s = (s + 1) & this.#mask) {
      const sh = this.#slots[2 * s];
      if (sh === EMPTY) return -1;
      const e = this.#slots[2 * s + 1];
      if (sh !== h || e === DELETED || a[e] !== n) continue;
      let i = 0;
      while (i < n && a[e + 1 + i] === name.charCodeAt(i)) i++;
      if (i !== n || a[e + 1 + n] !== kind) continue;
      if (kind === ANSWER && this.#view.getUint16(e + 2 + n) !== type) continue;
      return s;
    }
  }

  /** Marks slot `s` deleted; its bytes become garbage for the next compaction. */
  #drop(s: number): void {
    const e = this.#slots[2 * s + 1];
    const n = this.#arena[e];
    if (this.#arena[e + 1 + n] === ANSWER) {
      const p = e + 2 + n;
      this.#releaseBuffer(this.#view.getUint32(p + HEAD + this.#arena[p + 6] * PATCH));
    }
    this.#slots[2 * s + 1] = DELETED;
    this.#count--;
    this.#garbage += this.#entrySize(e);
  }

  /** Reserves `size` arena bytes and writes the key and kind of a new entry; returns its offset. */
  #begin(name: string, kind: number, size: number): number {
    this.#reserve(size);
    const e = this.#used;
    const n = name.length;
    this.#arena[e] = n;
    for (let i = 0; i < n; i++) this.#arena[e + 1 + i] = name.charCodeAt(i);
    this.#arena[e + 1 + n] = kind;
    return e;
  }

  /** RRs in the answer of entry `e`. */
  recordCount(e: number): number {
    const p = e + 2 + this.#arena[e];
    return (this.#arena[p + 2] << 8) | this.#arena[p + 3];
  }

  /** Bytes of the answer section of entry `e`. */
  wireLength(e: number): number {
    const p = e + 2 + this.#arena[e];
    return (this.#arena[p + 4] << 8) | this.#arena[p + 5];
  }

  /**
   * Copies the answer section of entry `e` to `out[pos..]` and sets the TTL
   * of RRs with a lifetime to min(maxTtl, own TTL, remaining lifetime)
   * (brief §8.1 item 6). Returns the position after it.
   */
  writeAnswer(out: Uint8Array, pos: number, e: number, maxTtl: number, now: number): number {
    const a = this.#arena;
    const v = this.#view;
    let p = e + 2 + a[e];
    const length = (a[p + 4] << 8) | a[p + 5];
    const patches = a[p + 6];
    p += HEAD;
    const ref = p + patches * PATCH;
    const start = v.getUint32(ref + 4);
    out.set(this.#buffers[v.getUint32(ref)]!.subarray(start, start + length), pos);
    for (let i = 0; i < patches; i++, p += PATCH) {
      const at = pos + v.getUint16(p) + POINTER_RR.TTL_OFFSET;
      const remaining = Math.max(0, Math.floor(v.getFloat64(p + 6) - now));
      writeUint32(out, at, Math.min(maxTtl, v.getUint32(p + 2), remaining));
    }
    return pos + length;
  }

  #entrySize(e: number): number {
    const a = this.#arena;
    const n = a[e];
    const p = e + 2 + n;
    switch (a[e + 1 + n]) {
      case NAME:
        return 2 + n + 10 + 2 * a[p + 9];
      case ZONE:
        return 2 + n + 3;
      default:
        return 2 + n + HEAD + a[p + 6] * PATCH + 8;
    }
  }

  /** Makes room for `size` more arena bytes: compacts away deleted entries, growing if needed. */
  #reserve(size: number, growth = 1.5): void {
    if (this.#used + size <= this.#arena.length) return;
    const live = this.#used - this.#garbage;
    // Half again what is live: room to grow without doubling a large zone's footprint.
    const capacity = Math.max(this.#arena.length, Math.ceil((live + size) * growth));
    const arena = new Uint8Array(capacity);
    const slots = this.#slots;
    let used = 0;
    // Compaction: copy live entries in slot order and point their slots at the new offsets.
    for (let s = 0; s < slots.length; s += 2) {
      const e = slots[s + 1];
      if (slots[s] === EMPTY || e === DELETED) continue;
      const n = this.#entrySize(e);
      arena.set(this.#arena.subarray(e, e + n), used);
      slots[s + 1] = used;
      used += n;
    }
    this.#arena = arena;
    this.#view = new DataView(arena.buffer);
    this.#used = used;
    this.#garbage = 0;
  }

  #insert(h: number, e: number): void {
    if (FILLED_LOAD_DEN * (this.#filled + 1) > FILLED_LOAD_NUM * (this.#mask + 1)) this.#rehash();
    for (let s = h & this.#mask;; s = (s + 1) & this.#mask) {
      if (this.#slots[2 * s] === EMPTY) {
        this.#slots[2 * s] = h;
        this.#slots[2 * s + 1] = e;
        this.#filled++;
        return;
      }
    }
  }

  /** Rebuilds the slots without tombstones, doubling when live entries would fill over half. */
  #rehash(): void {
    let capacity = this.#mask + 1;
    if (LIVE_LOAD_DEN * (this.#count + 1) > capacity) capacity *= 2;
    this.#rehashInto(capacity);
  }

  #rehashInto(capacity: number): void {
    const old = this.#slots;
    this.#slots = new Int32Array(2 * capacity);
    this.#mask = capacity - 1;
    this.#filled = 0;
    for (let s = 0; s < old.length; s += 2) {
      if (old[s] === EMPTY || old[s + 1] === DELETED) continue;
      for (let t = old[s] & this.#mask;; t = (t + 1) & this.#mask) {
        if (this.#slots[2 * t] === EMPTY) {
          this.#slots[2 * t] = old[s];
          this.#slots[2 * t + 1] = old[s + 1];
          this.#filled++;
          break;
        }
      }
    }
  }
}

/** FNV-1a of a name's characters, as the parser hashes its bytes. */
function nameHash(name: string): number {
  let h = FNV1A_START;
  for (let i = 0; i < name.length; i++) h = fnv1aStep(h, name.charCodeAt(i));
  return h;
}

/** Whether the parser's plain path can produce `name`: printable ASCII, no escape, no capitals. */
function plainName(name: string): boolean {
  if (name.length > 253) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x5c || (c >= 0x41 && c <= 0x5a)) return false;
  }
  return true;
}

/** Folds a mark kind into a name hash (apart from any type's fold by the extra 0x100 step). */
function markHash(nameHash: number, kind: number): number {
  return fnv1aStep(fnv1aStep(nameHash, 0x100), kind) | 0 || 1;
}

/** Folds the type into a name hash; never 0 (the empty-slot mark). */
function keyHash(nameHash: number, type: number): number {
  return fnv1aStep(fnv1aStep(nameHash, type >> 8), type & 0xff) | 0 || 1;
}
