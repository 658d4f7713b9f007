/**
 * Per-key token buckets in a fixed-size table (brief §1.8 algorithm: tokens
 * refill at `rate`/s up to `burst`; a request needs one token; new keys start
 * full). Memory is bounded whatever the number of keys: keys hash into a
 * set-associative typed-array table of {@linkcode TABLE_WAYS}-slot sets.
 *
 * A collision never creates tokens. A key not in its set takes an empty slot
 * (a full bucket: each slot grants one fresh burst in the table's lifetime),
 * or else evicts the set's fullest bucket and inherits its tokens, so
 * interleaving colliding keys cannot reset a drained bucket (issue 12 #5: the
 * old direct-mapped table handed every newcomer a full bucket). Whatever keys
 * share a set, together they get at most `ways × (burst + rate × t)` tokens.
 * The cost of the bound: a stranger landing in a set whose every slot is
 * drained starts drained too, which only an attacker filling that set with
 * drained keys can arrange, and only for the keys hashing there.
 *
 * This module is browser compatible.
 * @module
 */

import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";

/** Slots per set: a newcomer competes with this many buckets for a slot. */
export const TABLE_WAYS = 4;

/** A bounded table of token buckets. */
export class TokenBucketTable {
  #rate: number;
  #burst: number;
  #setMask: number;
  #hashes: Uint32Array;
  #tokens: Float64Array;
  #last: Float64Array;

  /**
   * `slots` (default 65536) is rounded up to a power of two of at least
   * {@linkcode TABLE_WAYS}; rate or burst ≤ 0 disables limiting.
   */
  constructor(options: { rate: number; burst: number; slots?: number }) {
    this.#rate = options.rate;
    this.#burst = options.burst;
    let size = TABLE_WAYS;
    while (size < (options.slots ?? 65536)) size <<= 1;
    this.#setMask = size / TABLE_WAYS - 1;
    this.#hashes = new Uint32Array(size);
    this.#tokens = new Float64Array(size);
    this.#last = new Float64Array(size);
  }

  /** True when limiting is off. */
  get disabled(): boolean {
    return this.#rate <= 0 || this.#burst <= 0;
  }

  /** Takes one token for `key` at time `nowSeconds`; false = over the limit. */
  take(key: string, nowSeconds: number): boolean {
    if (this.disabled) return true;
    let h = FNV1A_START;
    for (let i = 0; i < key.length; i++) h = fnv1aStep(h, key.charCodeAt(i));
    return this.takeHash(h, nowSeconds);
  }

  /**
   * Takes one token for the key whose 32-bit hash is `hash` (callers that
   * hash without building a string key, e.g. the response rate limiter).
   * Keys with equal hashes share a bucket, which is only ever stricter.
   */
  takeHash(hash: number, nowSeconds: number): boolean {
    if (this.disabled) return true;
    // 0 is reserved for "empty slot".
    const h = (hash >>> 0) || 1;
    const base = (h & this.#setMask) * TABLE_WAYS;
    const hashes = this.#hashes;
    let slot = -1;
    for (let i = base; i < base + TABLE_WAYS; i++) {
      if (hashes[i] === h) {
        slot = i;
        break;
      }
    }
    let tokens: number;
    if (slot >= 0) {
      tokens = this.#refilled(slot, nowSeconds);
    } else {
      // Miss: an empty slot starts full; otherwise the fullest bucket is evicted and its
      // tokens passed on, so the newcomer never holds more than the set already had.
      tokens = -1;
      for (let i = base; i < base + TABLE_WAYS; i++) {
        if (hashes[i] === 0) {
          slot = i;
          tokens = this.#burst;
          break;
        }
        const t = this.#refilled(i, nowSeconds);
        if (t > tokens) {
          slot = i;
          tokens = t;
        }
      }
      hashes[slot] = h;
    }
    this.#last[slot] = nowSeconds;
    if (tokens < 1) {
      this.#tokens[slot] = tokens;
      return false;
    }
    this.#tokens[slot] = tokens - 1;
    return true;
  }

  #refilled(slot: number, nowSeconds: number): number {
    const elapsed = Math.max(0, nowSeconds - this.#last[slot]);
    return Math.min(this.#burst, this.#tokens[slot] + elapsed * this.#rate);
  }
}
