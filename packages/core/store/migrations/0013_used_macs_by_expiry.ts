/**
 * Migration 13: `tsig_used_macs` keyed by expiry first, holding a prefix of
 * each MAC instead of all of it.
 *
 * Before, the key was (key name, whole MAC in hex). MACs are random, so each
 * UPDATE's insert landed on a page of its own: a group commit of 50 UPDATEs
 * rewrote about 50 pages of that table, most of the pages the commit wrote,
 * and the primary shipped every one to every replica. Removing the insert
 * raised UPDATE/s by 35–40% (bench/README.md, 2026-11-27).
 *
 * Now the key is (Time Signed + fudge, MAC prefix): the MACs of one commit
 * share an expiry second or two and land on the few pages at the table's
 * right edge. A replay repeats both the MAC and Time Signed + fudge, so it
 * still meets its own row. The prune deletes a range of the key's first
 * column, so the separate expiry index goes too.
 *
 * 48 bits of MAC (12 hex digits): two different requests collide only with
 * the same expiry second and a chance of 2^-48 per pair, and the key name is
 * no longer needed to tell MACs of different keys apart. A collision can only
 * refuse a request as a replay, never accept one. The existing rows are kept,
 * truncated, so a replay across the upgrade is still refused.
 *
 * Frozen history: the digits stored are {@linkcode USED_MAC_HEX_DIGITS}.
 *
 * This module is browser compatible.
 * @module
 */

/** How many leading hex digits of a TSIG MAC `tsig_used_macs.mac` keeps (48 bits). */
export const USED_MAC_HEX_DIGITS = 12;

/** Statements of the used-MAC schema version. */
export const MIGRATION_0013: readonly string[] = [
  `CREATE TABLE tsig_used_macs_by_expiry (
    expires_at INTEGER NOT NULL,
    mac TEXT NOT NULL,
    PRIMARY KEY (expires_at, mac)
  ) WITHOUT ROWID`,
  `INSERT OR IGNORE INTO tsig_used_macs_by_expiry (expires_at, mac)
    SELECT expires_at, substr(lower(mac), 1, ${USED_MAC_HEX_DIGITS}) FROM tsig_used_macs`,
  "DROP TABLE tsig_used_macs",
  "ALTER TABLE tsig_used_macs_by_expiry RENAME TO tsig_used_macs",
];
