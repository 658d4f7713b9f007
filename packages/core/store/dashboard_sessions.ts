/**
 * Dashboard sessions on the server side (issue 14): a row per live session,
 * keyed by the SHA-256 of the session nonce, so signing out ends the session
 * for every copy of its cookie, and the operator can end all of them.
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient } from "./sql_client.ts";
import { bytesToHex } from "../dmp/hex.ts";

/** Expired rows are purged at most this many per sign-in (bounded work per request). */
const PURGE_LIMIT = 100;
/** Live sessions kept at most: a sign-in past it ends the oldest (bounded table). */
export const MAX_DASHBOARD_SESSIONS = 1000;

async function nonceHash(nonce: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(nonce));
  return bytesToHex(new Uint8Array(d));
}

/**
 * Records a new session; purges expired ones and the oldest past {@linkcode MAX_DASHBOARD_SESSIONS}.
 *
 * @param client the store
 * @param session the nonce, its expiry and the time (unix seconds)
 *
 * @example
 * ```ts ignore
 * await openDashboardSession(client, { nonce, expiresAt, now });
 * ```
 */
export async function openDashboardSession(
  client: SqlClient,
  session: { nonce: string; expiresAt: number; now: number },
): Promise<void> {
  await client.batch([
    {
      sql: `DELETE FROM dashboard_sessions WHERE nonce_hash IN
            (SELECT nonce_hash FROM dashboard_sessions WHERE expires_at <= ? LIMIT ?)`,
      args: [Math.floor(session.now), PURGE_LIMIT],
    },
    {
      sql: `DELETE FROM dashboard_sessions WHERE nonce_hash IN
            (SELECT nonce_hash FROM dashboard_sessions ORDER BY expires_at DESC LIMIT -1 OFFSET ?)`,
      args: [MAX_DASHBOARD_SESSIONS - 1],
    },
    {
      sql: "INSERT INTO dashboard_sessions (nonce_hash, expires_at) VALUES (?, ?)",
      args: [await nonceHash(session.nonce), Math.floor(session.expiresAt)],
    },
  ], "write");
}

/**
 * True when the session is open and unexpired.
 *
 * @param client the store
 * @param nonce the session nonce
 * @param now unix seconds
 * @returns whether it is live
 *
 * @example
 * ```ts ignore
 * if (!await isDashboardSessionOpen(client, nonce, now)) return signIn();
 * ```
 */
export async function isDashboardSessionOpen(
  client: SqlClient,
  nonce: string,
  now: number,
): Promise<boolean> {
  const r = await client.execute({
    sql: "SELECT 1 FROM dashboard_sessions WHERE nonce_hash = ? AND expires_at > ?",
    args: [await nonceHash(nonce), Math.floor(now)],
  });
  return r.rows.length > 0;
}

/**
 * Ends a session (sign-out).
 *
 * @param client the store
 * @param nonce the session nonce
 *
 * @example
 * ```ts ignore
 * await closeDashboardSession(client, nonce);
 * ```
 */
export async function closeDashboardSession(client: SqlClient, nonce: string): Promise<void> {
  await client.execute({
    sql: "DELETE FROM dashboard_sessions WHERE nonce_hash = ?",
    args: [await nonceHash(nonce)],
  });
}
