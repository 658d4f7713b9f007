/**
 * Migration 2: the directory's seen store (brief §4.5, §4.10; issue 6).
 *
 * `heartbeats_seen` holds one verified heartbeat wire per (operator key,
 * endpoint), verbatim, with its parsed fields for listing and the zones it
 * was read from (`via_zones`, a JSON array). `heartbeat_seen_edges` is the
 * seen-graph: operator `from_spk` published `to_spk`'s wire in its
 * `_dnsmesh-seen` RRset.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 2. */
export const MIGRATION_0002: readonly string[] = [
  `CREATE TABLE heartbeats_seen (
    operator_spk_hex TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    wire TEXT NOT NULL,
    ts INTEGER NOT NULL,
    exp INTEGER NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    claim_provider_zone TEXT NOT NULL DEFAULT '',
    capabilities INTEGER NOT NULL DEFAULT 0,
    received_at INTEGER NOT NULL,
    via_zones TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (operator_spk_hex, endpoint)
  )`,
  `CREATE INDEX heartbeats_seen_ts ON heartbeats_seen (ts)`,
  `CREATE INDEX heartbeats_seen_exp ON heartbeats_seen (exp)`,
  `CREATE INDEX heartbeats_seen_received ON heartbeats_seen (received_at)`,
  `CREATE TABLE heartbeat_seen_edges (
    from_spk TEXT NOT NULL,
    to_spk TEXT NOT NULL,
    last_seen_ts INTEGER NOT NULL,
    PRIMARY KEY (from_spk, to_spk)
  )`,
  `CREATE INDEX heartbeat_seen_edges_ts ON heartbeat_seen_edges (last_seen_ts)`,
];
