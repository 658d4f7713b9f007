/**
 * A bounded cache of accepted (key name, MAC) pairs for replay protection
 * inside the fudge window. RFC 8945 §5.2.3 only bounds replays in time
 * (a server SHOULD also reject Time Signed older than the latest seen); this
 * cache rejects an exact replay of an accepted request while its Time Signed
 * is still within the fudge (the DMP reference has no such cache, brief §3.3).
 *
 * An entry lives until `timeSigned + fudge`: after that the time check
 * (§5.2.3) rejects the request anyway. When the cache is full the oldest
 * inserted entry is evicted, so under a flood an old replay may slip through
 * once; callers size the cap for their request rate × fudge.
 *
 * This module is browser compatible.
 * @module
 */

import { type Fingerprint, fingerprintOf, FingerprintRing } from "../hash/fingerprint_ring.ts";
import { canonicalName } from "../wire/name.ts";

/** Default entry cap. */
export const DEFAULT_REPLAY_CACHE_SIZE = 65536;

/** Expired entries dropped from the oldest end per check. */
const SWEEP_PER_CHECK = 8;

/**
 * Remembers accepted TSIG MACs per key until they expire. Entries are
 * fingerprints of (canonical key name, MAC) in a {@linkcode FingerprintRing}:
 * no object per entry.
 *
 * @example
 * ```ts
 * import { ReplayCache } from "./replay_cache.ts";
 * const c = new ReplayCache();
 * const mac = new Uint8Array([1, 2, 3]);
 * if (!c.checkAndRemember("k", mac, 100, 100, 300)) throw new Error();
 * if (c.checkAndRemember("k", mac, 100, 101, 300)) throw new Error(); // replay
 * ```
 */
export class ReplayCache {
  /** (key, MAC) fingerprints in insertion order, each with its expiry (unix seconds). */
  readonly #ring: FingerprintRing;
  readonly #fp: Fingerprint = { hi: 0, lo: 0 };

  /** @param maxEntries cap on remembered MACs (at least 1). */
  constructor(maxEntries: number = DEFAULT_REPLAY_CACHE_SIZE) {
    this.#ring = new FingerprintRing(maxEntries);
  }

  /** Number of entries currently held (expired ones may linger until swept). */
  get size(): number {
    return this.#ring.size;
  }

  /**
   * Records an accepted request. Returns false when the same key name and
   * MAC were already accepted and have not expired (a replay), true
   * otherwise. The entry expires after `timeSigned + fudge`.
   */
  checkAndRemember(
    keyName: string,
    mac: Uint8Array,
    timeSigned: number,
    now: number,
    fudge: number,
  ): boolean {
    this.#sweep(now);
    const fp = fingerprintOf(canonicalName(keyName), mac, this.#fp);
    const p = this.#ring.find(fp);
    if (p >= 0 && now <= this.#ring.valueAt(p)) return false;
    this.#ring.add(fp, timeSigned + fudge);
    return true;
  }

  /** Removes every expired entry (checks also sweep a few from the oldest end). */
  prune(now: number): void {
    this.#ring.removeBelow(now);
  }

  /** Drops expired entries from the oldest end, a bounded amount per call. */
  #sweep(now: number): void {
    for (let budget = SWEEP_PER_CHECK; budget > 0; budget--) {
      const expires = this.#ring.oldestValue();
      if (expires === undefined || now <= expires) break;
      this.#ring.dropOldest();
    }
  }
}
