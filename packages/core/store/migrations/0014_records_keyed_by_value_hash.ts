/**
 * Migration 14: `records` unique on (name, type, SHA3-256 of the value)
 * instead of (name, type, value).
 *
 * The old `UNIQUE (name, type, value)` index held a copy of every value: 26
 * of the 59 MiB of a database of 100,000 TXT records (`dbstat`), as large as
 * the table. A new embedded replica fetches every page of the database in its
 * first sync before it can answer, so that copy was a third of its start-up
 * (bench/README.md, `node_start --replica`). The index on the 32-byte hash
 * is 7.6 MiB.
 *
 * `sha3()` is built into libSQL (the embedded library and sqld alike) and is
 * deterministic, so it may key an index. Two values share a key only if
 * SHA3-256 collides: a writer would have to find a second preimage of
 * another user's value to overwrite it through the upsert. Lookups by
 * (name, type) use the index's first two columns as before.
 *
 * SQLite cannot drop a table constraint, so the table is rebuilt (its ids,
 * and the AUTOINCREMENT counter, kept) and its indexes made again.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 14. */
export const MIGRATION_0014: readonly string[] = [
  `CREATE TABLE records_by_hash (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    ttl INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL DEFAULT 0,
    stored_ts INTEGER NOT NULL,
    writer_key TEXT NOT NULL DEFAULT '',
    writer_subject TEXT NOT NULL DEFAULT '',
    value_bytes INTEGER NOT NULL DEFAULT 0,
    txt_split TEXT NOT NULL DEFAULT ''
  )`,
  `INSERT INTO records_by_hash (id, zone, name, type, value, ttl, created_at, expires_at,
      stored_ts, writer_key, writer_subject, value_bytes, txt_split)
    SELECT id, zone, name, type, value, ttl, created_at, expires_at,
      stored_ts, writer_key, writer_subject, value_bytes, txt_split
    FROM records ORDER BY id`,
  // An id is never reused, even one deleted before the rebuild.
  "DELETE FROM sqlite_sequence WHERE name = 'records_by_hash'",
  `INSERT INTO sqlite_sequence (name, seq)
    SELECT 'records_by_hash', seq FROM sqlite_sequence WHERE name = 'records'`,
  "DROP TABLE records",
  "ALTER TABLE records_by_hash RENAME TO records",
  "CREATE UNIQUE INDEX records_key ON records (name, type, sha3(value))",
  "CREATE INDEX records_zone ON records (zone)",
  "CREATE INDEX records_expires ON records (expires_at) WHERE expires_at > 0",
  `CREATE INDEX records_writer_key ON records (writer_key, expires_at, value_bytes)
    WHERE writer_key <> ''`,
  `CREATE INDEX records_writer_subject ON records (writer_subject, expires_at, value_bytes)
    WHERE writer_subject <> ''`,
];
