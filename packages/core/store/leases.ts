/**
 * Leases: one node at a time does a cluster-wide chore (sending NOTIFY,
 * issue 16). A lease is a row (name, holder, expiry) written on the primary
 * with one conditional upsert, so of two nodes racing for an expired lease
 * exactly one write takes effect (the primary serializes writes). The holder
 * renews well before expiry; a node that dies stops renewing and another
 * takes over after at most one lease period.
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient } from "./sql_client.ts";

/**
 * Takes or renews the lease `name` for `holder` until `now + seconds`; true
 * when `holder` holds it afterwards. Must run against the primary.
 *
 * @example
 * ```ts ignore
 * if (await acquireLease(writer, "notify", nodeId, now, 30)) sendNotifies();
 * ```
 */
export async function acquireLease(
  client: SqlClient,
  name: string,
  holder: string,
  now: number,
  seconds: number,
): Promise<boolean> {
  const t = Math.floor(now);
  const r = await client.execute({
    sql: `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
    args: [name, holder, t + Math.ceil(seconds), t],
  });
  return r.rowsAffected > 0;
}

/**
 * Gives the lease up (on shutdown), so another node takes over at once.
 *
 * @example
 * ```ts ignore
 * await releaseLease(writer, "notify", nodeId);
 * ```
 */
export async function releaseLease(client: SqlClient, name: string, holder: string): Promise<void> {
  await client.execute({
    sql: "DELETE FROM leases WHERE name = ? AND holder = ?",
    args: [name, holder],
  });
}
