/**
 * The node's in-memory query log (issue 14): a fixed-capacity ring of the
 * newest samples. When it is full the oldest is overwritten, so memory is
 * bounded whatever the flush does; the flusher drains it every
 * DMP_QUERY_LOG_FLUSH_INTERVAL seconds.
 *
 * @module
 */

import type { QueryLogSample } from "../../../packages/core/store/query_log.ts";

/** A bounded ring of samples, oldest overwritten first. */
export class QueryRing {
  #slots: (QueryLogSample | undefined)[];
  #next = 0;
  #size = 0;
  #overwritten = 0;

  constructor(capacity: number) {
    this.#slots = new Array(Math.max(1, Math.floor(capacity)));
  }

  /** Samples held. */
  get size(): number {
    return this.#size;
  }

  /** Samples lost to overwriting since the last drain. */
  get overwritten(): number {
    return this.#overwritten;
  }

  /** Adds a sample, overwriting the oldest when full. */
  push(sample: QueryLogSample): void {
    const cap = this.#slots.length;
    this.#slots[this.#next] = sample;
    this.#next = (this.#next + 1) % cap;
    if (this.#size < cap) this.#size++;
    else this.#overwritten++;
  }

  /** Takes every held sample, oldest first, and empties the ring. */
  drain(): QueryLogSample[] {
    const cap = this.#slots.length;
    const out: QueryLogSample[] = new Array(this.#size);
    let at = (this.#next - this.#size + cap) % cap;
    for (let i = 0; i < this.#size; i++) {
      out[i] = this.#slots[at]!;
      this.#slots[at] = undefined;
      at = (at + 1) % cap;
    }
    this.#size = 0;
    this.#overwritten = 0;
    return out;
  }
}
