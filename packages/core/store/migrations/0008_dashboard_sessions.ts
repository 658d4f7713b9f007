/**
 * Migration 8: operator dashboard sessions (issue 14).
 *
 * `dashboard_sessions` holds one row per signed-in dashboard session: the
 * SHA-256 of its nonce (never the cookie) and its expiry. The cookie is
 * HMAC-signed as well, so a forged one is refused without a read; the row is
 * what lets sign-out end a session on the server, not only in the browser.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 8. */
export const MIGRATION_0008: readonly string[] = [
  `CREATE TABLE dashboard_sessions (
    nonce_hash TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  )`,
];
