/**
 * Migration 12: the dashboard's query log, TSIG keys' last use and one-time
 * forms (issue 14).
 * Numbered 12 because 10 and 11 are taken on other branches; the merge
 * renumbers it.
 *
 * `query_log` holds each node's recent sampled queries (`store/query_log.ts`):
 * a node appends its new samples every few seconds and, in the same batch,
 * deletes its rows beyond the newest `DMP_QUERY_LOG_ROWS`, so the table holds
 * at most that many rows per node. `id` is AUTOINCREMENT so an id is never
 * reused after a prune: it is the stream's event id (SSE `Last-Event-ID`).
 * The client column holds a network prefix (/24, /48), never an address.
 *
 * `tsig_keys.last_used_at` is when a key last verified a message (UPDATE,
 * AXFR/IXFR), written at most once a minute per key by the node that saw it;
 * 0 = never. It is not journaled: a use is not a keystore change.
 *
 * `dashboard_form_uses` holds the SHA-256 of each one-time form nonce the
 * dashboard consumed (`store/dashboard_form_uses.ts`), so a re-posted token
 * issue form is recognised instead of issuing a second token.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of the query log schema version. */
export const MIGRATION_0012: readonly string[] = [
  `CREATE TABLE query_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    node TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    name TEXT NOT NULL,
    qtype INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    rcode INTEGER NOT NULL,
    latency_us INTEGER NOT NULL,
    transport TEXT NOT NULL,
    client TEXT NOT NULL
  )`,
  "CREATE INDEX query_log_node ON query_log (node, id)",
  "ALTER TABLE tsig_keys ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0",
  `CREATE TABLE dashboard_form_uses (
    nonce_hash TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  )`,
];
