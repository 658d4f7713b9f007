/**
 * Migration 10: DNSSEC key lifecycle (issue 13, key rollovers). Each key gets
 * a role and the times of its steps (`dnssec/key_timeline.ts`): published,
 * signing, stops signing zone data or keys, removed, its DS withdrawn, its DS
 * seen at the parent. Keys made before are combined keys (CSK) published and
 * signing since always, so those zones are served exactly as before.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 10. */
export const MIGRATION_0010: readonly string[] = [
  `ALTER TABLE dnssec_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'csk'
    CHECK (role IN ('csk', 'ksk', 'zsk'))`,
  "ALTER TABLE dnssec_keys ADD COLUMN publish_at INTEGER NOT NULL DEFAULT 0",
  // NULL: a new KSK waiting for the operator's ds-seen; existing keys sign since always.
  "ALTER TABLE dnssec_keys ADD COLUMN active_at INTEGER DEFAULT 0",
  "ALTER TABLE dnssec_keys ADD COLUMN zone_until INTEGER",
  "ALTER TABLE dnssec_keys ADD COLUMN keys_until INTEGER",
  "ALTER TABLE dnssec_keys ADD COLUMN remove_at INTEGER",
  "ALTER TABLE dnssec_keys ADD COLUMN ds_remove_at INTEGER",
  "ALTER TABLE dnssec_keys ADD COLUMN ds_seen_at INTEGER",
];
