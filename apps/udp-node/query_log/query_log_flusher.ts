/**
 * Ships the node's query log to the database (issue 14): every
 * DMP_QUERY_LOG_FLUSH_INTERVAL seconds the ring is drained and its samples
 * go to the storage worker in one message (`query_log_append`), which
 * appends them and prunes the node's rows to DMP_QUERY_LOG_ROWS in the same
 * write. A failed write drops that batch: the log is a sample, and keeping
 * it would let an unreachable primary grow the node's memory. Failures are
 * logged once per streak, not per flush.
 *
 * @module
 */

import type { Logger } from "../../../packages/core/log/logger.ts";
import type { QueryLogSample } from "../../../packages/core/store/query_log.ts";
import type { QueryRing } from "./query_ring.ts";

/** What the flusher needs. */
export interface QueryLogFlusherDeps {
  ring: QueryRing;
  /** writes one batch of samples (the storage worker's `query_log_append`) */
  write(samples: QueryLogSample[]): Promise<void>;
  logger: Logger;
}

/** Drains the ring into the store, one batch per call. */
export class QueryLogFlusher {
  #d: QueryLogFlusherDeps;
  #failing = false;

  constructor(deps: QueryLogFlusherDeps) {
    this.#d = deps;
  }

  /** Writes what the ring holds; returns the number of samples written. Never throws. */
  async flush(): Promise<number> {
    if (this.#d.ring.size === 0) return 0;
    const lost = this.#d.ring.overwritten;
    const samples = this.#d.ring.drain();
    try {
      await this.#d.write(samples);
      if (this.#failing) this.#d.logger.info("query log writes resumed");
      this.#failing = false;
      if (lost > 0) this.#d.logger.debug(`query log ring overwrote ${lost} samples`);
      return samples.length;
    } catch (e) {
      if (!this.#failing) {
        this.#d.logger.warn("query log write failed; dropping samples until it works", {
          error: e instanceof Error ? e.message : String(e),
        });
      }
      this.#failing = true;
      return 0;
    }
  }
}
