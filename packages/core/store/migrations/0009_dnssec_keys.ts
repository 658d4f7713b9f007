/**
 * Migration 9: DNSSEC signing keys (issue 13). One row per key of a signed
 * zone; the private key (PKCS#8) is sealed like TSIG secrets
 * (`store/secret_box.ts`, bound to `dnssec:<zone>:<tag>`), so every node
 * signs with the same key and a database dump alone does not reveal it. A
 * zone without a row is not signed.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 9. */
export const MIGRATION_0009: readonly string[] = [
  `CREATE TABLE dnssec_keys (
    zone TEXT NOT NULL,
    key_tag INTEGER NOT NULL,
    algorithm INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    private_enc TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (zone, key_tag, algorithm)
  )`,
];
