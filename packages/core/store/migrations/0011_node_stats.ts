/**
 * Migration 11: per-node stats rows (issue 14, the overview). Numbered 11
 * because 10 is taken on another branch; the merge renumbers it.
 *
 * Each udp-node upserts one row per minute bucket (`bucket` = unix minute)
 * every `DMP_NODE_STATS_INTERVAL` seconds: its cumulative counters since
 * `started_at`, its journal position and its last sync. The write that
 * upserts a row also deletes every row older than the retained hour (by the
 * primary's clock; a node's own rows also by its clock), so the
 * table holds at most (nodes heard within the hour) × 61 rows whatever the
 * interval. The overview turns consecutive rows into rates and sparklines.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of the node stats schema version. */
export const MIGRATION_0011: readonly string[] = [
  `CREATE TABLE node_stats (
    node TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    at REAL NOT NULL,
    started_at INTEGER NOT NULL,
    interval_s REAL NOT NULL,
    version TEXT NOT NULL,
    q_noerror INTEGER NOT NULL,
    q_nodata INTEGER NOT NULL,
    q_nxdomain INTEGER NOT NULL,
    q_refused INTEGER NOT NULL,
    q_servfail INTEGER NOT NULL,
    q_other INTEGER NOT NULL,
    q_dropped INTEGER NOT NULL,
    q_rrl INTEGER NOT NULL,
    updates_ok INTEGER NOT NULL,
    updates_refused INTEGER NOT NULL,
    transfers INTEGER NOT NULL,
    journal_seq INTEGER NOT NULL,
    last_sync_at REAL,
    PRIMARY KEY (node, bucket)
  )`,
  "CREATE INDEX node_stats_bucket ON node_stats (bucket)",
];
