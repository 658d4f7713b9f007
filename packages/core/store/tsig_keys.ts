/**
 * TSIG keys in libSQL (brief §2.4): name (canonical, no trailing dot),
 * algorithm, sealed secret, scope suffixes, subject and registered keys,
 * expiry and a revoked flag. Every change also writes a journal row
 * (zone "", name "tsig") so nodes reload their keyring within one sync.
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient, SqlStatement } from "./sql_client.ts";
import type { SecretBox } from "./secret_box.ts";
import { safeIntegerColumn } from "./safe_integer_column.ts";

/** A key as the store holds it, secret opened. */
export interface TsigKeyRecord {
  name: string;
  algorithm: string;
  secret: Uint8Array;
  allowedSuffixes: string[];
  subject: string;
  registeredSpk: string;
  registeredX25519Pub: string;
  createdAt: number;
  /** 0 = never */
  expiresAt: number;
  revoked: boolean;
}

/** A key without its secret (listings), with when it last verified a message. */
export type TsigKeyInfo = Omit<TsigKeyRecord, "secret"> & {
  /** unix seconds of the last successful verification seen (UPDATE, AXFR/IXFR); 0 = never */
  lastUsedAt: number;
};

/** Journal name that signals a keystore change. */
export const TSIG_JOURNAL_NAME = "tsig";

/** The journal statement every key change carries. */
export function tsigJournalStatement(now: number): SqlStatement {
  return {
    sql: "INSERT INTO journal (ts, zone, name) VALUES (?, '', ?)",
    args: [Math.floor(now), TSIG_JOURNAL_NAME],
  };
}

/** Statement that inserts or replaces a key (used inside larger atomic batches too). */
export async function tsigKeyUpsertStatement(
  box: SecretBox,
  k: Omit<TsigKeyRecord, "revoked" | "createdAt">,
  now: number,
): Promise<SqlStatement> {
  const sealed = await box.seal(k.secret, k.name);
  const t = Math.floor(now);
  return {
    sql:
      `INSERT INTO tsig_keys (name, algorithm, secret_enc, allowed_suffixes, subject, registered_spk,
            registered_x25519_pub, created_at, expires_at, revoked, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
          ON CONFLICT (name) DO UPDATE SET algorithm = excluded.algorithm, secret_enc = excluded.secret_enc,
            allowed_suffixes = excluded.allowed_suffixes, subject = excluded.subject,
            registered_spk = excluded.registered_spk, registered_x25519_pub = excluded.registered_x25519_pub,
            created_at = excluded.created_at, expires_at = excluded.expires_at, revoked = 0,
            updated_at = excluded.updated_at`,
    args: [
      k.name,
      k.algorithm,
      sealed,
      [...new Set(k.allowedSuffixes)].sort().join("\n"),
      k.subject,
      k.registeredSpk,
      k.registeredX25519Pub,
      t,
      k.expiresAt,
      Date.now(),
    ],
  };
}

/**
 * Creates or replaces a key.
 *
 * @example
 * ```ts ignore
 * await putTsigKey(client, box, { name: "acme.example.com", algorithm: "hmac-sha256", secret,
 *   allowedSuffixes: ["example.com"], subject: "", registeredSpk: "", registeredX25519Pub: "", expiresAt: 0 }, now);
 * ```
 */
export async function putTsigKey(
  client: SqlClient,
  box: SecretBox,
  k: Omit<TsigKeyRecord, "revoked" | "createdAt">,
  now: number,
): Promise<void> {
  await client.batch(
    [await tsigKeyUpsertStatement(box, k, now), tsigJournalStatement(now)],
    "write",
  );
}

/**
 * Revokes a key (kept for audit); false when no such key.
 *
 * @example
 * ```ts ignore
 * await revokeTsigKey(client, "acme.example.com", now);
 * ```
 */
export async function revokeTsigKey(
  client: SqlClient,
  name: string,
  now: number,
): Promise<boolean> {
  const r = await client.batch([
    {
      sql: "UPDATE tsig_keys SET revoked = 1, updated_at = ? WHERE name = ?",
      args: [Date.now(), name],
    },
    tsigJournalStatement(now),
  ], "write");
  return r[0].rowsAffected > 0;
}

// Integer columns are clamped (safe_integer_column.ts): one bad row must never stop every node
// loading its keyring.
const KEY_COLUMNS = "name, algorithm, secret_enc, allowed_suffixes, subject, registered_spk, " +
  "registered_x25519_pub, revoked, " +
  ["created_at", "expires_at", "updated_at"].map((c) => safeIntegerColumn(c)).join(", ");

function rowToInfo(r: Record<string, unknown>): Omit<TsigKeyRecord, "secret"> {
  const suffixes = String(r.allowed_suffixes);
  return {
    name: String(r.name),
    algorithm: String(r.algorithm),
    allowedSuffixes: suffixes ? suffixes.split("\n") : [],
    subject: String(r.subject),
    registeredSpk: String(r.registered_spk),
    registeredX25519Pub: String(r.registered_x25519_pub),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    revoked: Number(r.revoked) !== 0,
  };
}

/**
 * Every key, without secrets.
 *
 * @example
 * ```ts ignore
 * const keys = await listTsigKeys(client);
 * ```
 */
export async function listTsigKeys(client: SqlClient): Promise<TsigKeyInfo[]> {
  const r = await client.execute(
    `SELECT ${KEY_COLUMNS}, ${safeIntegerColumn("last_used_at")} FROM tsig_keys ORDER BY name`,
  );
  const out: TsigKeyInfo[] = [];
  for (let i = 0; i < r.rows.length; i++) {
    out.push({ ...rowToInfo(r.rows[i]), lastUsedAt: Number(r.rows[i].last_used_at) });
  }
  return out;
}

/**
 * The statement recording that a key verified a message at `ts` (never moving
 * the time back: two nodes may write out of order). Not journaled: a use is
 * not a keystore change, so no node reloads its keyring for it. Nodes write it
 * at most once a minute per key (apps/udp-node/update/tsig_last_used.ts).
 *
 * @param name the key's canonical name
 * @param ts unix seconds
 * @returns an UPDATE statement
 *
 * @example
 * ```ts
 * import { tsigLastUsedStatement } from "./tsig_keys.ts";
 * if (!tsigLastUsedStatement("k", 5).sql.includes("MAX(last_used_at")) throw new Error();
 * ```
 */
export function tsigLastUsedStatement(name: string, ts: number): SqlStatement {
  return {
    sql: "UPDATE tsig_keys SET last_used_at = MAX(last_used_at, ?) WHERE name = ?",
    args: [Math.floor(ts), name],
  };
}

/**
 * Active keys (not revoked, not expired) with opened secrets; rows whose
 * secret cannot be opened (wrong DMP_TSIG_SECRET_KEY) are skipped and counted.
 *
 * @example
 * ```ts ignore
 * const { keys, unreadable } = await readActiveTsigKeys(client, box, now);
 * ```
 */
export async function readActiveTsigKeys(
  client: SqlClient,
  box: SecretBox,
  now: number,
): Promise<{ keys: TsigKeyRecord[]; unreadable: number }> {
  const r = await client.execute({
    sql:
      `SELECT ${KEY_COLUMNS} FROM tsig_keys WHERE revoked = 0 AND (expires_at = 0 OR expires_at > ?)`,
    args: [Math.floor(now)],
  });
  const keys: TsigKeyRecord[] = [];
  let unreadable = 0;
  for (let i = 0; i < r.rows.length; i++) {
    const info = rowToInfo(r.rows[i]);
    const secret = await box.open(String(r.rows[i].secret_enc), info.name);
    if (!secret) {
      unreadable++;
      continue;
    }
    keys.push({ ...info, secret });
  }
  return { keys, unreadable };
}
