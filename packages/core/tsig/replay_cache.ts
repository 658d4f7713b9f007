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

import { bytesToHex } from "../dmp/hex.ts";
import { canonicalName } from "../wire/name.ts";

/** Default entry cap. */
export const DEFAULT_REPLAY_CACHE_SIZE = 65536;

/**
 * Remembers accepted TSIG MACs per key until they expire.
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
  readonly #max: number;
  /** id → expiry (unix seconds); Map keeps insertion order for eviction. */
  readonly #entries = new Map<string, number>();

  /** @param maxEntries cap on remembered MACs (at least 1). */
  constructor(maxEntries: number = DEFAULT_REPLAY_CACHE_SIZE) {
    this.#max = Math.max(1, Math.floor(maxEntries));
  }

  /** Number of entries currently held (expired ones may linger until swept). */
  get size(): number {
    return this.#entries.size;
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
    const id = `${canonicalName(keyName)} ${bytesToHex(mac)}`;
    const expires = this.#entries.get(id);
    if (expires !== undefined && now <= expires) return false;
    this.#entries.delete(id);
    this.#entries.set(id, timeSigned + fudge);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return true;
  }

  /** Removes every expired entry (checks also sweep a few from the oldest end). */
  prune(now: number): void {
    for (const [id, expires] of this.#entries) if (now > expires) this.#entries.delete(id);
  }

  /** Drops expired entries from the oldest end, a bounded amount per call. */
  #sweep(now: number): void {
    let budget = 8;
    for (const [id, expires] of this.#entries) {
      if (budget-- === 0 || now <= expires) break;
      this.#entries.delete(id);
    }
  }
}
