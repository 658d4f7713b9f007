/**
 * Per-key token buckets in a fixed-size table (brief §1.8 algorithm: tokens
 * refill at `rate`/s up to `burst`; a request needs one token; new keys start
 * full). Memory is bounded whatever the number of keys: keys hash into a
 * typed-array table, and a colliding key takes the slot over with a full
 * bucket, which can only make the limiter more lenient, never block a stranger.
 *
 * This module is browser compatible.
 * @module
 */

import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";

/** A bounded table of token buckets. */
export class TokenBucketTable {
  #rate: number;
  #burst: number;
  #mask: number;
  #hashes: Uint32Array;
  #tokens: Float64Array;
  #last: Float64Array;

  /** `slots` is rounded up to a power of two; rate or burst ≤ 0 disables limiting. */
  constructor(options: { rate: number; burst: number; slots?: number }) {
    this.#rate = options.rate;
    this.#burst = options.burst;
    let size = 1;
    while (size < (options.slots ?? 65536)) size <<= 1;
    this.#mask = size - 1;
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
    // FNV-1a; 0 is reserved for "empty slot".
    let h = FNV1A_START;
    for (let i = 0; i < key.length; i++) h = fnv1aStep(h, key.charCodeAt(i));
    h = (h >>> 0) || 1;
    const slot = h & this.#mask;
    let tokens: number;
    if (this.#hashes[slot] !== h) {
      this.#hashes[slot] = h;
      tokens = this.#burst;
    } else {
      const elapsed = Math.max(0, nowSeconds - this.#last[slot]);
      tokens = Math.min(this.#burst, this.#tokens[slot] + elapsed * this.#rate);
    }
    this.#last[slot] = nowSeconds;
    if (tokens < 1) {
      this.#tokens[slot] = tokens;
      return false;
    }
    this.#tokens[slot] = tokens - 1;
    return true;
  }
}
