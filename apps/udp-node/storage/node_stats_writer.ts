/**
 * The node's stats row (issue 14, the overview): every
 * `DMP_NODE_STATS_INTERVAL` seconds, its cumulative counters (read from the
 * metrics registry), journal position and last sync go to the primary
 * through the storage worker's writer (`store/node_stats.ts` bounds the
 * table). The DNS thread only reads a few numbers and posts one message.
 *
 * A write that fails (a replica that cannot reach its primary, a read-only
 * database, a storage worker gone) changes nothing about answering: it is
 * logged once when writes start failing and once when they work again,
 * never per interval. A write still in flight when the next one is due is
 * not doubled: the tick is skipped, so a slow primary never builds a queue.
 *
 * @module
 */

import type { Logger } from "../../../packages/core/log/logger.ts";
import type { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import {
  type NodeStatsCounters,
  type NodeStatsSample,
  writeNodeStats,
} from "../../../packages/core/store/node_stats.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";

/** How long `stop()` waits for a write in flight. */
export const STOP_WAIT_MS = 2000;

/** Outcomes of `dmp_dns_queries_total` that were never answered. */
const DROPPED_OUTCOMES = ["rate_limited", "overloaded", "malformed"];

/**
 * The node's counters as the stats row stores them, from its metrics.
 *
 * @param m the node's registry
 * @returns cumulative counters since the registry was made
 */
export function countersFromMetrics(m: MetricsRegistry): NodeStatsCounters {
  const q = (outcome: string) => m.value("dmp_dns_queries_total", { outcome });
  const nodata = m.value("dmp_dns_nodata_total");
  const noerror = q("noerror");
  const nxdomain = q("nxdomain");
  const refused = q("refused");
  const servfail = q("servfail");
  let dropped = 0;
  for (const o of DROPPED_OUTCOMES) dropped += q(o);
  const updatesOk = m.value("dmp_dns_updates_total", { result: "noerror" });
  return {
    noerror: Math.max(0, noerror - nodata),
    nodata,
    nxdomain,
    refused,
    servfail,
    other: Math.max(
      0,
      m.sum("dmp_dns_queries_total") - noerror - nxdomain - refused - servfail - dropped,
    ),
    dropped,
    rrl: m.sum("dmp_dns_rrl_responses_total"),
    updatesOk,
    updatesRefused: Math.max(0, m.sum("dmp_dns_updates_total") - updatesOk),
    transfers: m.sum("dmp_zone_transfers_total"),
  };
}

/** What the writer reads and where it writes. */
export interface NodeStatsWriterOptions {
  /** the primary (the storage worker's writer) */
  writer: SqlClient;
  metrics: MetricsRegistry;
  logger: Logger;
  node: string;
  version: string;
  intervalSeconds: number;
  /** the journal sequence the index has applied */
  journalSeq: () => number;
  /** the last successful sync, null before the first (unix seconds) */
  lastSyncAt: () => number | null;
  /** unix seconds (default: the wall clock) */
  now?: () => number;
}

/** Writes the node's stats row on an interval. */
export class NodeStatsWriter {
  #o: NodeStatsWriterOptions;
  #now: () => number;
  #startedAt: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #inFlight: Promise<boolean> | undefined;
  #failing = false;

  /** @param options see {@linkcode NodeStatsWriterOptions} */
  constructor(options: NodeStatsWriterOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => Date.now() / 1000);
    this.#startedAt = Math.floor(this.#now());
  }

  /** The sample a tick would write now. */
  sample(): NodeStatsSample {
    return {
      node: this.#o.node,
      version: this.#o.version,
      at: this.#now(),
      startedAt: this.#startedAt,
      intervalSeconds: this.#o.intervalSeconds,
      counters: countersFromMetrics(this.#o.metrics),
      journalSeq: this.#o.journalSeq(),
      lastSyncAt: this.#o.lastSyncAt(),
    };
  }

  /** Writes one row now (unless one is in flight); resolves to whether it was written. */
  tick(): Promise<boolean> {
    this.#inFlight ??= this.#write().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #write(): Promise<boolean> {
    try {
      const written = await writeNodeStats(this.#o.writer, this.sample());
      if (written && this.#failing) {
        this.#failing = false;
        this.#o.logger.info("node stats are written again");
      } else if (!written && !this.#failing) {
        this.#failing = true;
        this.#o.logger.warn(
          "node stats not written: the table already holds the most nodes it keeps; old names leave it within the hour",
        );
      }
      return written;
    } catch (e) {
      if (!this.#failing) {
        this.#failing = true;
        this.#o.logger.warn(
          "node stats cannot be written (logged once until they can); answering is not affected",
          { error: String((e as Error)?.message ?? e).slice(0, 300) },
        );
      }
      return false;
    }
  }

  /** Writes a row at once, then every interval. */
  start(): void {
    if (this.#timer) return;
    void this.tick();
    this.#timer = setInterval(() => void this.tick(), this.#o.intervalSeconds * 1000);
  }

  /**
   * Stops the interval and waits for a write in flight, at most {@linkcode STOP_WAIT_MS}: a
   * write stuck on an unreachable primary must not hold up shutdown (closing the storage
   * worker ends it).
   */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#inFlight,
      new Promise((resolve) => timer = setTimeout(resolve, STOP_WAIT_MS)),
    ]);
    clearTimeout(timer);
  }
}
