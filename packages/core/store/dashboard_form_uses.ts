/**
 * One-time dashboard forms (issue 14): a form that must not act twice (the
 * token issue form: a reload re-posting it issued a second token) carries a
 * random nonce, and the post consumes it here before acting. The nonce's
 * SHA-256 is inserted; a second post of the same form finds it and is told
 * it was already done. Rows expire with the longest session (a form cannot
 * outlive the session whose CSRF token it carries) and the table is capped,
 * oldest first, so it stays bounded whatever is posted.
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient } from "./sql_client.ts";
import { bytesToHex } from "../dmp/hex.ts";

/** Expired rows purged per use at most (bounded work per request). */
const PURGE_LIMIT = 100;
/** Most rows kept; past it the oldest go. */
export const MAX_FORM_USES = 10_000;
/** A form nonce as minted: 18 random bytes, base64url. */
export const FORM_NONCE = /^[A-Za-z0-9_-]{24}$/;

/**
 * A fresh form nonce (matches {@linkcode FORM_NONCE}).
 *
 * @param random randomness
 * @returns 18 random bytes as base64url
 *
 * @example
 * ```ts
 * import { FORM_NONCE, newFormNonce } from "./dashboard_form_uses.ts";
 * if (!FORM_NONCE.test(newFormNonce((n) => crypto.getRandomValues(new Uint8Array(n))))) throw new Error();
 * ```
 */
export function newFormNonce(random: (n: number) => Uint8Array): string {
  let bin = "";
  for (const b of random(18)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_");
}

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return bytesToHex(new Uint8Array(d));
}

/**
 * Consumes a form nonce: true the first time, false for every later post of it.
 *
 * @param client the store (the primary: the insert is the check)
 * @param use the nonce, the time and when the use may be forgotten (unix seconds)
 * @returns whether this is the first use
 *
 * @example
 * ```ts ignore
 * if (!await consumeFormNonce(client, { nonce, now, expiresAt: now + 8 * 3600 })) alreadyDone();
 * ```
 */
export async function consumeFormNonce(
  client: SqlClient,
  use: { nonce: string; now: number; expiresAt: number },
): Promise<boolean> {
  const r = await client.batch([
    {
      sql: `DELETE FROM dashboard_form_uses WHERE nonce_hash IN
            (SELECT nonce_hash FROM dashboard_form_uses WHERE expires_at <= ? LIMIT ?)`,
      args: [Math.floor(use.now), PURGE_LIMIT],
    },
    {
      sql: `DELETE FROM dashboard_form_uses WHERE nonce_hash IN
            (SELECT nonce_hash FROM dashboard_form_uses ORDER BY expires_at DESC LIMIT -1 OFFSET ?)`,
      args: [MAX_FORM_USES - 1],
    },
    {
      sql: "INSERT OR IGNORE INTO dashboard_form_uses (nonce_hash, expires_at) VALUES (?, ?)",
      args: [await sha256Hex(use.nonce), Math.floor(use.expiresAt)],
    },
  ], "write");
  return r[2].rowsAffected === 1;
}
