/**
 * DNSSEC signing keys in libSQL (migration 9): generated once per zone when
 * signing is turned on, the private key sealed with the TSIG sealing key.
 * Every change writes a journal row (zone "", name "dnssec") so nodes reload
 * their signers within one sync, as they do their TSIG keyring.
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient } from "./sql_client.ts";
import type { SecretBox } from "./secret_box.ts";
import { type ExportedKey, generateSigningKey, importSigningKey } from "../dnssec/signing_key.ts";
import { nextSerialSql } from "../zone/serial.ts";

/** Journal name that signals a change of DNSSEC keys. */
export const DNSSEC_JOURNAL_NAME = "dnssec";

/** A zone's key as stored, private key opened. */
export interface StoredSigningKey extends ExportedKey {
  zone: string;
  keyTag: number;
  createdAt: number;
}

/** A zone's key without its private part (status listings). */
export type SigningKeyInfo = Omit<StoredSigningKey, "pkcs8">;

function boundTo(zone: string, tag: number): string {
  return `dnssec:${zone}:${tag}`;
}

/**
 * Turns signing on for `zone`: generates a key of `algorithm` unless the zone
 * already has one (then that one is kept: keys are made once, whatever
 * algorithm is asked the second time). Returns the zone's key info and
 * whether it was created now.
 *
 * @example
 * ```ts ignore
 * const { key, created } = await enableZoneSigning(client, box, "example.com", 13, now);
 * ```
 */
export async function enableZoneSigning(
  client: SqlClient,
  box: SecretBox,
  zone: string,
  algorithm: number,
  now: number,
): Promise<{ key: SigningKeyInfo; created: boolean }> {
  const existing = await listSigningKeys(client, zone);
  if (existing.length > 0) return { key: existing[0], created: false };
  const exported = await generateSigningKey(algorithm);
  const tag = (await importSigningKey(exported)).keyTag;
  const sealed = await box.seal(exported.pkcs8, boundTo(zone, tag));
  const t = Math.floor(now);
  // Conditional insert: two concurrent enables leave one key, never two.
  const [insert] = await client.batch([
    {
      sql: `INSERT INTO dnssec_keys (zone, key_tag, algorithm, flags, private_enc, created_at)
            SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM dnssec_keys WHERE zone = ?)`,
      args: [zone, tag, algorithm, exported.flags, sealed, t, zone],
    },
    // The transferred zone changes (DNSKEY, RRSIGs, NSEC chain): its serial moves, so
    // secondaries holding the unsigned version transfer the signed one.
    {
      sql: `UPDATE zones SET serial = ${nextSerialSql(t)} WHERE name = ? AND changes() > 0`,
      args: [zone],
    },
    {
      sql: "INSERT INTO journal (ts, zone, name) SELECT ?, ?, ? WHERE changes() > 0",
      args: [t, zone, zone],
    },
    {
      sql: "INSERT INTO journal (ts, zone, name) VALUES (?, '', ?)",
      args: [t, DNSSEC_JOURNAL_NAME],
    },
  ], "write");
  const keys = await listSigningKeys(client, zone);
  return { key: keys[0], created: insert.rowsAffected > 0 };
}

/** The keys of `zone` (or of every zone), without private parts. */
export async function listSigningKeys(
  client: SqlClient,
  zone?: string,
): Promise<SigningKeyInfo[]> {
  const r = await client.execute(
    zone === undefined
      ? "SELECT zone, key_tag, algorithm, flags, created_at FROM dnssec_keys ORDER BY zone, created_at"
      : {
        sql: `SELECT zone, key_tag, algorithm, flags, created_at FROM dnssec_keys
              WHERE zone = ? ORDER BY created_at`,
        args: [zone],
      },
  );
  return Array.from(r.rows, (row) => ({
    zone: String(row.zone),
    keyTag: Number(row.key_tag),
    algorithm: Number(row.algorithm),
    flags: Number(row.flags),
    createdAt: Number(row.created_at),
  }));
}

/**
 * Every stored key with its private key opened; `unreadable` counts keys the
 * box cannot open (a node with another sealing key), which are left out.
 */
export async function readSigningKeys(
  client: SqlClient,
  box: SecretBox,
): Promise<{ keys: StoredSigningKey[]; unreadable: number }> {
  const r = await client.execute(
    "SELECT zone, key_tag, algorithm, flags, private_enc, created_at FROM dnssec_keys ORDER BY zone, created_at",
  );
  const keys: StoredSigningKey[] = [];
  let unreadable = 0;
  for (const row of Array.from(r.rows)) {
    const zone = String(row.zone);
    const keyTag = Number(row.key_tag);
    const pkcs8 = await box.open(String(row.private_enc), boundTo(zone, keyTag));
    if (!pkcs8) {
      unreadable++;
      continue;
    }
    keys.push({
      zone,
      keyTag,
      algorithm: Number(row.algorithm),
      flags: Number(row.flags),
      pkcs8,
      createdAt: Number(row.created_at),
    });
  }
  return { keys, unreadable };
}
