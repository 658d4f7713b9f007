/**
 * The query hot path's answer table: (owner name, type) → the answer section,
 * packed in one byte arena behind one open-addressing table, like NSD's and
 * Knot's compiled zones. A hit costs a probe of a typed array and one run of
 * adjacent bytes; no string is built and no object graph walked. It is a
 * cache of the {@linkcode ZoneIndex}, which decides what may go in (names
 * under their own zone, no CNAME owners, RRsets that fit a UDP answer) and
 * answers everything else: NXDOMAIN, NODATA, ANY, partly expired RRsets.
 *
 * Keys are the canonical name as lower-case dotted ASCII bytes, exactly what
 * the query parser gathers from a question without escapes, hashed with
 * FNV-1a (`hash/fnv1a.ts`) as the parser reads them.
 *
 * Entry layout (offsets from the entry; numbers big-endian):
 * `u8 n | name[n] | u16 type | u16 rrCount | u16 wireLength | u8 patchCount |
 * f64 firstExpiry | patchCount × (u16 offset, u32 ttl, f64 expiresAt) | wire`.
 *
 * This module is browser compatible.
 * @module
 */

import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";
import { POINTER_RR } from "../wire/constants.ts";
import { writeUint32 } from "../wire/network_order.ts";
import type { IndexedRRset } from "./zone_index.ts";

/** Answer sections larger than this are left to the index (they truncate over UDP anyway). */
export const ANSWER_TABLE_MAX_WIRE = 4096;

const EMPTY = 0;
const DELETED = -1;
const HEAD = 15; // type, rrCount, wireLength, patchCount, firstExpiry
const PATCH = 14;

/** Pre-encoded answers by (name, type). */
export class AnswerTable {
  /** pairs per slot: key hash (0 = empty) and entry offset (-1 = deleted) */
  #slots = new Int32Array(2 * 1024);
  #mask = 1023;
  #filled = 0;
  #count = 0;
  #arena = new Uint8Array(64 * 1024);
  #view = new DataView(this.#arena.buffer);
  #used = 0;
  #garbage = 0;

  /** Entries held. */
  get size(): number {
    return this.#count;
  }

  /** Arena bytes in use (live and not yet compacted). */
  get arenaBytes(): number {
    return this.#used;
  }

  /** Drops every entry. */
  clear(): void {
    this.#slots = new Int32Array(2 * 1024);
    this.#mask = 1023;
    this.#filled = 0;
    this.#count = 0;
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
    if (n > 253 || rrset.wire.length > ANSWER_TABLE_MAX_WIRE) return false;
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
    this.delete(name, rrset.type);
    const size = 1 + n + HEAD + patches * PATCH + rrset.wire.length;
    this.#reserve(size);
    const e = this.#used;
    const a = this.#arena;
    const v = this.#view;
    a[e] = n;
    for (let i = 0; i < n; i++) a[e + 1 + i] = name.charCodeAt(i);
    let p = e + 1 + n;
    v.setUint16(p, rrset.type);
    v.setUint16(p + 2, rrset.records.length);
    v.setUint16(p + 4, rrset.wire.length);
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
    a.set(rrset.wire, p);
    this.#used = e + size;
    this.#insert(keyHash(hash, rrset.type), e);
    this.#count++;
    return true;
  }

  /** Removes the answer for (name, type), if any. */
  delete(name: string, type: number): void {
    const n = name.length;
    if (n > 253) return;
    let hash = FNV1A_START;
    for (let i = 0; i < n; i++) hash = fnv1aStep(hash, name.charCodeAt(i));
    const h = keyHash(hash, type);
    const a = this.#arena;
    for (let s = h & this.#mask;; s = (s + 1) & this.#mask) {
      const sh = this.#slots[2 * s];
      if (sh === EMPTY) return;
      const e = this.#slots[2 * s + 1];
      if (sh !== h || e === DELETED || a[e] !== n) continue;
      let i = 0;
      while (i < n && a[e + 1 + i] === name.charCodeAt(i)) i++;
      if (i !== n || this.#view.getUint16(e + 1 + n) !== type) continue;
      this.#slots[2 * s + 1] = DELETED;
      this.#count--;
      this.#garbage += this.#entrySize(e);
      return;
    }
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
      if (i !== length) continue;
      const p = e + 1 + length;
      if (((a[p] << 8) | a[p + 1]) !== type) continue;
      return now < this.#view.getFloat64(p + 7) ? e : -1;
    }
  }

  /** RRs in the answer of entry `e`. */
  recordCount(e: number): number {
    const p = e + 1 + this.#arena[e];
    return (this.#arena[p + 2] << 8) | this.#arena[p + 3];
  }

  /** Bytes of the answer section of entry `e`. */
  wireLength(e: number): number {
    const p = e + 1 + this.#arena[e];
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
    let p = e + 1 + a[e];
    const length = (a[p + 4] << 8) | a[p + 5];
    const patches = a[p + 6];
    p += HEAD;
    const wire = p + patches * PATCH;
    out.set(a.subarray(wire, wire + length), pos);
    for (let i = 0; i < patches; i++, p += PATCH) {
      const at = pos + v.getUint16(p) + POINTER_RR.TTL_OFFSET;
      const remaining = Math.max(0, Math.floor(v.getFloat64(p + 6) - now));
      writeUint32(out, at, Math.min(maxTtl, v.getUint32(p + 2), remaining));
    }
    return pos + length;
  }

  #entrySize(e: number): number {
    const p = e + 1 + this.#arena[e];
    return 1 + this.#arena[e] + HEAD + this.#arena[p + 6] * PATCH + this.#view.getUint16(p + 4);
  }

  /** Makes room for `size` more arena bytes: compacts away deleted entries, growing if needed. */
  #reserve(size: number): void {
    if (this.#used + size <= this.#arena.length) return;
    const live = this.#used - this.#garbage;
    // Half again what is live: room to grow without doubling a large zone's footprint.
    const capacity = Math.max(this.#arena.length, Math.ceil((live + size) * 1.5));
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
    if (2 * (this.#filled + 1) > this.#mask + 1) this.#rehash();
    for (let s = h & this.#mask;; s = (s + 1) & this.#mask) {
      if (this.#slots[2 * s] === EMPTY) {
        this.#slots[2 * s] = h;
        this.#slots[2 * s + 1] = e;
        this.#filled++;
        return;
      }
    }
  }

  /** Rebuilds the slots without tombstones, doubling when live entries fill a quarter. */
  #rehash(): void {
    const old = this.#slots;
    let capacity = this.#mask + 1;
    if (4 * (this.#count + 1) > capacity) capacity *= 2;
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

/** Folds the type into a name hash; never 0 (the empty-slot mark). */
function keyHash(nameHash: number, type: number): number {
  return fnv1aStep(fnv1aStep(nameHash, type >> 8), type & 0xff) | 0 || 1;
}
