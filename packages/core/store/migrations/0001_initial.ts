/**
 * Migration 1: zones (SOA fields; apex A/AAAA/NS are ordinary rows of
 * `records` at the zone name, so one structure holds all zone data), records, the change journal, TSIG keys, tokens, audit.
 * SQL kept in a module (not a .sql file) so Workers can bundle it without a
 * file system.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 1. */
export const MIGRATION_0001: readonly string[] = [
  `CREATE TABLE zones (
    name TEXT PRIMARY KEY,
    soa_mname TEXT NOT NULL DEFAULT '',
    soa_rname TEXT NOT NULL DEFAULT '',
    soa_refresh INTEGER NOT NULL DEFAULT 3600,
    soa_retry INTEGER NOT NULL DEFAULT 600,
    soa_expire INTEGER NOT NULL DEFAULT 604800,
    soa_minimum INTEGER NOT NULL DEFAULT 60,
    serial INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  )`,
  `CREATE TABLE records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    ttl INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL DEFAULT 0,
    stored_ts INTEGER NOT NULL,
    UNIQUE (name, type, value)
  )`,
  `CREATE INDEX records_zone ON records (zone)`,
  `CREATE INDEX records_expires ON records (expires_at) WHERE expires_at > 0`,
  `CREATE TABLE journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    zone TEXT NOT NULL,
    name TEXT NOT NULL
  )`,
  // A write that would break a cap inserts a positive number here; the CHECK
  // aborts the whole batch, so caps hold even when two writers race (the
  // primary serializes write transactions).
  `CREATE TABLE write_guard (excess INTEGER NOT NULL CHECK (excess <= 0))`,
  `CREATE TABLE tsig_keys (
    name TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL DEFAULT 'hmac-sha256',
    secret_enc TEXT NOT NULL,
    allowed_suffixes TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    registered_spk TEXT NOT NULL DEFAULT '',
    registered_x25519_pub TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0
  )`,
  `CREATE INDEX tsig_keys_subject ON tsig_keys (subject)`,
  `CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    subject_type INTEGER NOT NULL DEFAULT 1,
    subject_hash12 TEXT NOT NULL DEFAULT '',
    rate_per_sec REAL NOT NULL DEFAULT 10.0,
    rate_burst INTEGER NOT NULL DEFAULT 50,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    issuer TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    registered_spk TEXT
  )`,
  `CREATE INDEX tokens_subject ON tokens (subject) WHERE revoked_at IS NULL`,
  `CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    remote_addr TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
  )`,
  `CREATE INDEX audit_log_ts ON audit_log (ts)`,
  `CREATE TABLE registration_challenges (
    challenge TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  )`,
  `CREATE TABLE rate_buckets (
    key TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    updated_ms INTEGER NOT NULL
  )`,
];
