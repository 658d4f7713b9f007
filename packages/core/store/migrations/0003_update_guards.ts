/**
 * Migration 3: what RFC 2136 UPDATE needs to be decided inside its write
 * transaction, so that every node sharing the primary gets the same answer.
 *
 * - `records.writer_key` / `records.writer_subject`: which TSIG key (and
 *   which registered user) wrote a row, and `records.value_bytes` its size,
 *   for the per-key and per-user quotas (issue 12 finding 9). Rows written
 *   before this migration, by the edge API or by anonymous claims carry ''
 *   and count against no key.
 * - `records.txt_split`: where a TXT value's character-strings end when an
 *   UPDATE sent them split otherwise than every 255 bytes (RFC 1035
 *   §3.3.14; issue 11 item 4), so they are served back as sent.
 * - `update_guard`: a guard statement inserts the name of a failed check;
 *   the named CHECK constraint aborts the whole batch and the error names the
 *   check, which maps to the rcode (RFC 2136 §3.2 prerequisites, quotas).
 * - `tsig_used_macs`: the MAC of every signed UPDATE applied, until its Time
 *   Signed + fudge has passed (after which RFC 8945 §5.2.3 refuses it with
 *   BADTIME anyway), so a replay is refused on every node and after restarts
 *   (issue 12 finding 10).
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 3. */
export const MIGRATION_0003: readonly string[] = [
  `ALTER TABLE records ADD COLUMN writer_key TEXT NOT NULL DEFAULT ''`,
  `ALTER TABLE records ADD COLUMN writer_subject TEXT NOT NULL DEFAULT ''`,
  `ALTER TABLE records ADD COLUMN value_bytes INTEGER NOT NULL DEFAULT 0`,
  // TXT character-string lengths when not the canonical 255-byte split (wire/txt_split.ts).
  `ALTER TABLE records ADD COLUMN txt_split TEXT NOT NULL DEFAULT ''`,
  // Covering: a quota guard counts and sums from the index alone, without reading the values.
  `CREATE INDEX records_writer_key ON records (writer_key, expires_at, value_bytes)
    WHERE writer_key <> ''`,
  `CREATE INDEX records_writer_subject ON records (writer_subject, expires_at, value_bytes)
    WHERE writer_subject <> ''`,
  `CREATE TABLE update_guard (
    failure TEXT NOT NULL,
    CONSTRAINT prereq_nxdomain CHECK (failure <> 'prereq_nxdomain'),
    CONSTRAINT prereq_yxdomain CHECK (failure <> 'prereq_yxdomain'),
    CONSTRAINT prereq_nxrrset CHECK (failure <> 'prereq_nxrrset'),
    CONSTRAINT prereq_yxrrset CHECK (failure <> 'prereq_yxrrset'),
    CONSTRAINT quota_records_per_key CHECK (failure <> 'quota_records_per_key'),
    CONSTRAINT quota_bytes_per_key CHECK (failure <> 'quota_bytes_per_key'),
    CONSTRAINT quota_records_per_user CHECK (failure <> 'quota_records_per_user'),
    CONSTRAINT quota_bytes_per_user CHECK (failure <> 'quota_bytes_per_user'),
    CONSTRAINT quota_values_per_key_per_name CHECK (failure <> 'quota_values_per_key_per_name')
  )`,
  `CREATE TABLE tsig_used_macs (
    key_name TEXT NOT NULL,
    mac TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (key_name, mac)
  ) WITHOUT ROWID`,
  `CREATE INDEX tsig_used_macs_expires ON tsig_used_macs (expires_at)`,
];
