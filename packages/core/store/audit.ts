/**
 * The audit log (brief §1.5 "Audit table rows for every decision"; operator
 * actions of issue 4). Rows are written by statements that ride in the same
 * batch as the change they describe, so an action and its audit row commit
 * together.
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient, SqlStatement } from "./sql_client.ts";

/** One audit row. `subject` is empty for split-audit events (brief §1.5). */
export interface AuditEntry {
  id: number;
  ts: number;
  actor: string;
  event: string;
  subject: string;
  remoteAddr: string;
  detail: string;
}

/**
 * The statement that appends one audit row.
 *
 * @param entry what happened; `ts` in unix seconds
 * @returns an INSERT statement
 *
 * @example
 * ```ts
 * import { auditStatement } from "./audit.ts";
 * const s = auditStatement({ ts: 1, actor: "operator", event: "zone.create", subject: "example.com",
 *   remoteAddr: "127.0.0.1", detail: "" });
 * if (!s.sql.startsWith("INSERT INTO audit_log")) throw new Error();
 * ```
 */
export function auditStatement(entry: Omit<AuditEntry, "id">): SqlStatement {
  return {
    sql: `INSERT INTO audit_log (ts, actor, event, subject, remote_addr, detail)
          VALUES (?, ?, ?, ?, ?, ?)`,
    args: [
      Math.floor(entry.ts),
      entry.actor,
      entry.event,
      entry.subject,
      entry.remoteAddr,
      entry.detail.slice(0, 1000),
    ],
  };
}

/**
 * Newest audit rows first, at most `limit`, optionally only those older than `beforeId`.
 *
 * @param client the store
 * @param options page size and cursor
 * @returns audit rows, newest first
 *
 * @example
 * ```ts ignore
 * const rows = await listAudit(client, { limit: 100 });
 * ```
 */
export async function listAudit(
  client: SqlClient,
  options: { limit: number; beforeId?: number },
): Promise<AuditEntry[]> {
  const r = await client.execute({
    sql: `SELECT id, ts, actor, event, subject, remote_addr, detail FROM audit_log
          WHERE id < ? ORDER BY id DESC LIMIT ?`,
    args: [options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit],
  });
  const out: AuditEntry[] = [];
  for (let i = 0; i < r.rows.length; i++) {
    const row = r.rows[i];
    out.push({
      id: Number(row.id),
      ts: Number(row.ts),
      actor: String(row.actor),
      event: String(row.event),
      subject: String(row.subject),
      remoteAddr: String(row.remote_addr),
      detail: String(row.detail),
    });
  }
  return out;
}
