/**
 * A bounded first-in-first-out set of 64-bit fingerprints, held in typed
 * arrays: no JavaScript object per entry. The TSIG replay cache and the
 * answers kept for retransmitted UPDATEs remember one entry per signed
 * request for minutes; as a `Map` of hex strings each entry was a string, a
 * map slot and a heap number that every young-generation collection copied
 * and promoted (bench/README.md, "Replay state without objects").
 *
 * Entries live in a ring in insertion order (the oldest is evicted when it is
 * full) and are found through an open-addressing index (linear probing,
 * deletion by backward shift). The arrays start at 256 places and double up
 * to the capacity as entries come, so a node that answers no UPDATE keeps a
 * few KB per ring (128 KB for the answers' ring, whose places hold 512
 * bytes). Each entry carries a number (an expiry, say) and, when the ring was
 * made with `payloadBytes`, up to that many bytes.
 *
 * Fingerprints come from {@linkcode fingerprintOf}: two 32-bit hashes of the
 * input, seeded per process so that nobody can aim inputs at one probe chain.
 * Two different inputs share a fingerprint with a chance of about 2^-64.
 *
 * This module is browser compatible.
 * @module
 */

/** A 64-bit fingerprint as two 32-bit halves. */
export interface Fingerprint {
  hi: number;
  lo: number;
}

const SEED_HI = (Math.random() * 0x1_0000_0000) | 0;
const SEED_LO = (Math.random() * 0x1_0000_0000) | 0;

/** murmur3's 32-bit finalizer: every input bit affects every output bit. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The fingerprint of `text` (UTF-16 code units) followed by `bytes`, written
 * into `out` (no allocation).
 *
 * @example
 * ```ts
 * import { fingerprintOf } from "./fingerprint_ring.ts";
 * const a = fingerprintOf("key.", new Uint8Array([1, 2]), { hi: 0, lo: 0 });
 * const b = fingerprintOf("key.", new Uint8Array([1, 3]), { hi: 0, lo: 0 });
 * if (a.hi === b.hi && a.lo === b.lo) throw new Error("collision");
 * ```
 */
export function fingerprintOf(text: string, bytes: Uint8Array, out: Fingerprint): Fingerprint {
  // Lengths first, so that ("ab", [c]) and ("a", [b, c]) differ.
  let hi = Math.imul(SEED_HI ^ text.length, 0x01000193);
  let lo = Math.imul(SEED_LO ^ bytes.length, 0x5bd1e995);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    hi = Math.imul(hi ^ c, 0x01000193);
    lo = Math.imul((lo ^ c) + (lo >>> 15), 0x5bd1e995);
  }
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    hi = Math.imul(hi ^ c, 0x01000193);
    lo = Math.imul((lo ^ c) + (lo >>> 15), 0x5bd1e995);
  }
  out.hi = mix32(hi);
  out.lo = mix32(lo ^ hi);
  return out;
}

/** Places a ring starts with; it doubles from there up to its capacity. */
const INITIAL_SIZE = 256;

/** A FIFO-bounded fingerprint set with a number and optional bytes per entry. */
export class FingerprintRing {
  readonly #capacity: number;
  readonly #payloadBytes: number;
  // The ring: entry at position p (0 ≤ p < #size, the arrays' length, ≤ capacity); #head is the
  // oldest, #count places are in use.
  #size = 0;
  #hi = new Int32Array(0);
  #lo = new Int32Array(0);
  #value = new Float64Array(0);
  #live = new Uint8Array(0);
  #length = new Uint16Array(0);
  #payload = new Uint8Array(0);
  #head = 0;
  #count = 0;
  #liveCount = 0;
  // The index: slot → ring position + 1 (0 = empty); at most half full.
  #slots = new Int32Array(0);
  #mask = 0;

  /**
   * @param capacity entries held at most (at least 1)
   * @param payloadBytes bytes an entry may carry (0: none)
   */
  constructor(capacity: number, payloadBytes = 0) {
    this.#capacity = Math.max(1, Math.floor(capacity));
    this.#payloadBytes = Math.max(0, Math.min(0xffff, Math.floor(payloadBytes)));
    this.#resize(Math.min(this.#capacity, INITIAL_SIZE));
  }

  /** Moves the ring into arrays of `size` places (oldest first) and rebuilds the index. */
  #resize(size: number): void {
    const old = {
      size: this.#size,
      hi: this.#hi,
      lo: this.#lo,
      value: this.#value,
      live: this.#live,
      length: this.#length,
      payload: this.#payload,
    };
    const bytes = this.#payloadBytes;
    this.#size = size;
    this.#hi = new Int32Array(size);
    this.#lo = new Int32Array(size);
    this.#value = new Float64Array(size);
    this.#live = new Uint8Array(size);
    this.#length = new Uint16Array(bytes > 0 ? size : 0);
    this.#payload = new Uint8Array(size * bytes);
    let slots = 2;
    while (slots < 2 * size) slots *= 2;
    this.#slots = new Int32Array(slots);
    this.#mask = slots - 1;
    for (let k = 0; k < this.#count; k++) {
      const from = (this.#head + k) % old.size;
      this.#hi[k] = old.hi[from];
      this.#lo[k] = old.lo[from];
      this.#value[k] = old.value[from];
      this.#live[k] = old.live[from];
      if (bytes > 0) {
        this.#length[k] = old.length[from];
        this.#payload.set(old.payload.subarray(from * bytes, (from + 1) * bytes), k * bytes);
      }
      if (this.#live[k] === 1) this.#index(k);
    }
    this.#head = 0;
  }

  /** Enters ring position `p` into the index. */
  #index(p: number): void {
    const mask = this.#mask;
    let s = this.#hi[p] & mask;
    while (this.#slots[s] !== 0) s = (s + 1) & mask;
    this.#slots[s] = p + 1;
  }

  /** Entries held, not counting those removed or replaced. */
  get size(): number {
    return this.#liveCount;
  }

  /** The ring position of `fp`, or -1. */
  find(fp: Fingerprint): number {
    // Halves as the Int32Arrays store them (ToInt32), whatever numbers the caller passed.
    const hi = fp.hi | 0;
    const lo = fp.lo | 0;
    const mask = this.#mask;
    for (let s = hi & mask;; s = (s + 1) & mask) {
      const p = this.#slots[s] - 1;
      if (p < 0) return -1;
      if (this.#hi[p] === hi && this.#lo[p] === lo) return p;
    }
  }

  /** The number stored with the entry at `position`. */
  valueAt(position: number): number {
    return this.#value[position];
  }

  /** A copy of the bytes stored with the entry at `position` (empty without a payload). */
  payloadAt(position: number): Uint8Array {
    const start = position * this.#payloadBytes;
    return this.#payload.slice(start, start + (this.#length[position] ?? 0));
  }

  /**
   * Adds `fp` as the newest entry with `value` (and `payload`, which must fit
   * the ring's `payloadBytes`), replacing an entry of the same fingerprint and
   * evicting the oldest when full.
   */
  add(fp: Fingerprint, value: number, payload?: Uint8Array): void {
    if (payload && payload.length > this.#payloadBytes) {
      throw new RangeError(`payload of ${payload.length} bytes > ${this.#payloadBytes}`);
    }
    const old = this.find(fp);
    if (old >= 0) this.#remove(old);
    if (this.#count === this.#size) {
      if (this.#size < this.#capacity) this.#resize(Math.min(this.#capacity, 2 * this.#size));
      else this.dropOldest();
    }
    const p = (this.#head + this.#count) % this.#size;
    this.#count++;
    this.#liveCount++;
    this.#hi[p] = fp.hi;
    this.#lo[p] = fp.lo;
    this.#value[p] = value;
    this.#live[p] = 1;
    if (this.#payloadBytes > 0) {
      const n = payload?.length ?? 0;
      this.#length[p] = n;
      if (payload) this.#payload.set(payload, p * this.#payloadBytes);
    }
    this.#index(p);
  }

  /**
   * The number stored with the oldest entry still held (removed ones are
   * skipped and let go), or undefined when empty.
   */
  oldestValue(): number | undefined {
    while (this.#count > 0 && this.#live[this.#head] === 0) this.#advance();
    return this.#count > 0 ? this.#value[this.#head] : undefined;
  }

  /** Removes every entry whose number is below `limit`, wherever it stands in the ring. */
  removeBelow(limit: number): void {
    for (let k = 0; k < this.#count; k++) {
      const p = (this.#head + k) % this.#size;
      if (this.#live[p] === 1 && this.#value[p] < limit) this.#remove(p);
    }
  }

  /** Evicts the oldest entry, if any. */
  dropOldest(): void {
    if (this.#count === 0) return;
    if (this.#live[this.#head] === 1) this.#remove(this.#head);
    this.#advance();
  }

  #advance(): void {
    this.#head = (this.#head + 1) % this.#size;
    this.#count--;
  }

  /** Takes the entry at ring position `p` out of the index; its ring place stays until the head passes. */
  #remove(p: number): void {
    const mask = this.#mask;
    let i = this.#hi[p] & mask;
    while (this.#slots[i] !== p + 1) i = (i + 1) & mask;
    // Backward shift: later entries of the chain move up unless their home lies after the hole.
    for (let j = (i + 1) & mask;; j = (j + 1) & mask) {
      const q = this.#slots[j] - 1;
      if (q < 0) break;
      const home = this.#hi[q] & mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        this.#slots[i] = q + 1;
        i = j;
      }
    }
    this.#slots[i] = 0;
    this.#live[p] = 0;
    this.#liveCount--;
  }
}
