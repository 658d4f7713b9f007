/**
 * Migration 4: who delivered each seen heartbeat (issue 12 finding 11).
 * `heartbeats_seen.first_source` is the source that created the row (the
 * per-source quota counts these); `heartbeat_sightings` holds every source
 * that delivered a (operator key, endpoint) and when it last did: `zone:<z>`
 * for a wire the crawl read from DNS in zone `z`, `post:<prefix>` for a wire
 * POSTed from an address in `prefix` (/24, /56). `zone_seen_at` (last time a
 * zone served the row) and `corroborated_at` (last time it had enough
 * independent recent sightings) are kept from them on every write, so
 * eviction and listings read two columns instead of counting sightings.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 5. */
export const MIGRATION_0005: readonly string[] = [
  `ALTER TABLE heartbeats_seen ADD COLUMN first_source TEXT NOT NULL DEFAULT ''`,
  `CREATE INDEX heartbeats_seen_first_source ON heartbeats_seen (first_source)`,
  `ALTER TABLE heartbeats_seen ADD COLUMN zone_seen_at INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE heartbeats_seen ADD COLUMN corroborated_at INTEGER NOT NULL DEFAULT 0`,
  `CREATE TABLE heartbeat_sightings (
    operator_spk_hex TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    source TEXT NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (operator_spk_hex, endpoint, source)
  )`,
  `CREATE INDEX heartbeat_sightings_last_seen ON heartbeat_sightings (last_seen)`,
  // A row's sightings go with it (expiry, eviction), without a scan on every write.
  `CREATE TRIGGER heartbeats_seen_sightings AFTER DELETE ON heartbeats_seen BEGIN
    DELETE FROM heartbeat_sightings
      WHERE operator_spk_hex = old.operator_spk_hex AND endpoint = old.endpoint;
  END`,
];
