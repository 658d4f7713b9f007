/**
 * Migration 4: who delivered each seen heartbeat (issue 12 finding 11).
 * `heartbeats_seen.first_source` is the source that created the row (the
 * per-source quota counts these); `heartbeat_sightings` holds every source
 * that delivered a (operator key, endpoint) and when it last did: `zone:<z>`
 * for a wire the crawl read from DNS in zone `z`, `post:<prefix>` for a wire
 * POSTed from an address in `prefix` (/24, /56). Eviction uses them to keep
 * nodes several independent sources saw recently.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 4. */
export const MIGRATION_0004: readonly string[] = [
  `ALTER TABLE heartbeats_seen ADD COLUMN first_source TEXT NOT NULL DEFAULT ''`,
  `CREATE INDEX heartbeats_seen_first_source ON heartbeats_seen (first_source)`,
  `CREATE TABLE heartbeat_sightings (
    operator_spk_hex TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    source TEXT NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (operator_spk_hex, endpoint, source)
  )`,
  `CREATE INDEX heartbeat_sightings_last_seen ON heartbeat_sightings (last_seen)`,
];
