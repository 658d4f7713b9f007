/**
 * Migration 6: zone transfers (issue 16).
 *
 * `zone_transfer` holds one row per zone that may be transferred to standard
 * secondaries: the TSIG key names and source prefixes allowed to AXFR/IXFR it
 * (newline-separated; both lists must match when both are set, see
 * `store/transfer_policy.ts`) and the secondaries to NOTIFY (RFC 1996) on
 * every serial change. A zone without a row is never transferred.
 *
 * `leases` names the one node that does a cluster-wide chore (sending NOTIFY):
 * a holder and an expiry, taken and renewed with one conditional write on the
 * primary, so two nodes never both hold it.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 6. */
export const MIGRATION_0006: readonly string[] = [
  `CREATE TABLE zone_transfer (
    zone TEXT PRIMARY KEY,
    allow_keys TEXT NOT NULL DEFAULT '',
    allow_nets TEXT NOT NULL DEFAULT '',
    notify TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
  )`,
  `CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  )`,
];
