/**
 * DNSSEC signing keys in libSQL (migrations 9 and 10): a KSK and a ZSK
 * generated when signing is turned on, more during rollovers, each private
 * key sealed with the TSIG sealing key, each row with its role and the times
 * of its lifecycle steps (`dnssec/key_timeline.ts`). Every change writes a
 * journal row (zone "", name "dnssec") so nodes reload their signers within
 * one sync, as they do their TSIG keyring; the steps between changes need no
 * write: every node reads them off the rows and its clock.
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient, SqlStatement } from "./sql_client.ts";
import type { SecretBox } from "./secret_box.ts";
import { type ExportedKey, generateSigningKey, importSigningKey } from "../dnssec/signing_key.ts";
import {
  initialKeyTimes,
  type KeyRole,
  type KeyTimes,
  planDsSeen,
  planKskRollover,
  planZskRollover,
  ROLE_FLAGS,
  type RolloverTimings,
} from "../dnssec/key_timeline.ts";
import { nextSerialSql } from "../zone/serial.ts";

/** Journal name that signals a change of DNSSEC keys. */
export const DNSSEC_JOURNAL_NAME = "dnssec";

/** A zone's key as stored, private key opened. */
export interface StoredSigningKey extends ExportedKey {
  zone: string;
  keyTag: number;
  createdAt: number;
  times: KeyTimes;
}

/** A zone's key without its private part (status listings). */
export type SigningKeyInfo = Omit<StoredSigningKey, "pkcs8">;

const COLUMNS = `zone, key_tag, algorithm, flags, created_at, role, publish_at, active_at,
  zone_until, keys_until, remove_at, ds_remove_at, ds_seen_at`;

function boundTo(zone: string, tag: number): string {
  return `dnssec:${zone}:${tag}`;
}

const nullable = (v: unknown): number | null => v === null || v === undefined ? null : Number(v);

function infoOf(row: Record<string, unknown>): SigningKeyInfo {
  return {
    zone: String(row.zone),
    keyTag: Number(row.key_tag),
    algorithm: Number(row.algorithm),
    flags: Number(row.flags),
    createdAt: Number(row.created_at),
    times: {
      role: String(row.role) as KeyRole,
      publishAt: Number(row.publish_at),
      activeAt: nullable(row.active_at),
      zoneUntil: nullable(row.zone_until),
      keysUntil: nullable(row.keys_until),
      removeAt: nullable(row.remove_at),
      dsRemoveAt: nullable(row.ds_remove_at),
      dsSeenAt: nullable(row.ds_seen_at),
    },
  };
}

/** A new key of `role`, sealed, with a key tag no key of the zone has (RFC 6781 §3.1.3). */
async function newKey(
  box: SecretBox,
  zone: string,
  algorithm: number,
  role: KeyRole,
  taken: readonly number[],
): Promise<{ tag: number; sealed: string; flags: number }> {
  for (;;) {
    const exported = await generateSigningKey(algorithm, ROLE_FLAGS[role]);
    const tag = (await importSigningKey(exported)).keyTag;
    if (taken.includes(tag)) continue;
    return {
      tag,
      sealed: await box.seal(exported.pkcs8, boundTo(zone, tag)),
      flags: exported.flags,
    };
  }
}

function insertKey(
  zone: string,
  k: { tag: number; sealed: string; flags: number },
  algorithm: number,
  times: KeyTimes,
  createdAt: number,
  guard: SqlStatement,
): SqlStatement {
  return {
    sql: `INSERT INTO dnssec_keys (zone, key_tag, algorithm, flags, private_enc, created_at, role,
            publish_at, active_at, zone_until, keys_until, remove_at, ds_remove_at, ds_seen_at)
          SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE ${guard.sql}`,
    args: [
      zone,
      k.tag,
      algorithm,
      k.flags,
      k.sealed,
      createdAt,
      times.role,
      times.publishAt,
      times.activeAt,
      times.zoneUntil,
      times.keysUntil,
      times.removeAt,
      times.dsRemoveAt,
      times.dsSeenAt,
      ...(guard.args ?? []),
    ],
  };
}

/** The journal row that makes nodes reload keys; written only when `guard` holds (a refused change writes nothing). */
function journalRow(t: number, guard: SqlStatement = { sql: "1", args: [] }): SqlStatement {
  return {
    sql: `INSERT INTO journal (ts, zone, name) SELECT ?, '', ? WHERE ${guard.sql}`,
    args: [t, DNSSEC_JOURNAL_NAME, ...(guard.args ?? [])],
  };
}

/**
 * Turns signing on for `zone`: generates a KSK and a ZSK of `algorithm`,
 * both published and signing now, unless the zone already has keys (then
 * those are kept: keys are made once, whatever algorithm is asked the second
 * time). Returns the zone's keys and whether they were created now.
 *
 * @example
 * ```ts ignore
 * const { keys, created } = await enableZoneSigning(client, box, "example.com", 13, now);
 * ```
 */
export async function enableZoneSigning(
  client: SqlClient,
  box: SecretBox,
  zone: string,
  algorithm: number,
  now: number,
): Promise<{ keys: SigningKeyInfo[]; created: boolean }> {
  const existing = await listSigningKeys(client, zone);
  if (existing.length > 0) return { keys: existing, created: false };
  const t = Math.floor(now);
  const ksk = await newKey(box, zone, algorithm, "ksk", []);
  const zsk = await newKey(box, zone, algorithm, "zsk", [ksk.tag]);
  // Conditional inserts: two concurrent enables leave one pair of keys, never two.
  const [insert] = await client.batch([
    insertKey(zone, ksk, algorithm, initialKeyTimes("ksk", t), t, {
      sql: "NOT EXISTS (SELECT 1 FROM dnssec_keys WHERE zone = ?)",
      args: [zone],
    }),
    insertKey(zone, zsk, algorithm, initialKeyTimes("zsk", t), t, {
      sql: "EXISTS (SELECT 1 FROM dnssec_keys WHERE zone = ? AND key_tag = ? AND private_enc = ?)",
      args: [zone, ksk.tag, ksk.sealed],
    }),
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
    journalRow(t, {
      sql: "EXISTS (SELECT 1 FROM dnssec_keys WHERE zone = ? AND key_tag = ? AND private_enc = ?)",
      args: [zone, ksk.tag, ksk.sealed],
    }),
  ], "write");
  return { keys: await listSigningKeys(client, zone), created: insert.rowsAffected > 0 };
}

/** The keys of `zone` (or of every zone), without private parts, oldest first. */
export async function listSigningKeys(
  client: SqlClient,
  zone?: string,
): Promise<SigningKeyInfo[]> {
  const r = await client.execute(
    zone === undefined
      ? `SELECT ${COLUMNS} FROM dnssec_keys ORDER BY zone, created_at, flags DESC, key_tag`
      : {
        sql: `SELECT ${COLUMNS} FROM dnssec_keys WHERE zone = ?
              ORDER BY created_at, flags DESC, key_tag`,
        args: [zone],
      },
  );
  return Array.from(r.rows, (row) => infoOf(row as Record<string, unknown>));
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
    `SELECT ${COLUMNS}, private_enc FROM dnssec_keys ORDER BY zone, created_at, flags DESC, key_tag`,
  );
  const keys: StoredSigningKey[] = [];
  let unreadable = 0;
  for (const row of Array.from(r.rows)) {
    const info = infoOf(row as Record<string, unknown>);
    const pkcs8 = await box.open(String(row.private_enc), boundTo(info.zone, info.keyTag));
    if (!pkcs8) {
      unreadable++;
      continue;
    }
    keys.push({ ...info, pkcs8 });
  }
  return { keys, unreadable };
}

/** The outcome of a rollover request or a ds-seen: the zone's keys after it, or why nothing changed. */
export type KeyChangeResult =
  | { ok: true; keyTag: number; keys: SigningKeyInfo[] }
  | { ok: false; error: string };

/** SQL that is true while no rollover of the zone is under way at `?` (key_timeline's rolloverInProgress). */
const NO_ROLLOVER = `NOT EXISTS (SELECT 1 FROM dnssec_keys WHERE zone = ? AND (active_at IS NULL
  OR publish_at > ? OR active_at > ? OR zone_until > ? OR keys_until > ? OR remove_at > ?
  OR ds_remove_at > ?))`;

/** `SET` of the times `plan` changes on a key. */
function updateKey(zone: string, tag: number, set: Partial<KeyTimes>, guard: SqlStatement) {
  const columns: [keyof KeyTimes, string][] = [
    ["activeAt", "active_at"],
    ["zoneUntil", "zone_until"],
    ["keysUntil", "keys_until"],
    ["removeAt", "remove_at"],
    ["dsRemoveAt", "ds_remove_at"],
    ["dsSeenAt", "ds_seen_at"],
  ];
  const used = columns.filter(([k]) => set[k] !== undefined);
  return {
    sql: `UPDATE dnssec_keys SET ${used.map(([, c]) => `${c} = ?`).join(", ")}
          WHERE zone = ? AND key_tag = ? AND ${guard.sql}`,
    args: [...used.map(([k]) => set[k] as number | null), zone, tag, ...(guard.args ?? [])],
  };
}

/**
 * Starts a ZSK (pre-publication) or KSK (double-DS) rollover of `zone` at
 * `now` (`key_timeline.ts`): a new key is generated and every later step is
 * written as a time. Refused, with nothing written, when the zone is not
 * signed or a rollover is under way (also when two requests race: the
 * insert is conditional, inside the write transaction).
 */
export async function startRollover(
  client: SqlClient,
  box: SecretBox,
  zone: string,
  kind: "zsk" | "ksk",
  now: number,
  timings: RolloverTimings,
): Promise<KeyChangeResult> {
  const t = Math.floor(now);
  const existing = await listSigningKeys(client, zone);
  const keys = existing.map((k) => k.times);
  // The old ZSK stays published for every TTL the zone serves, whatever is configured.
  const zoneTtls = {
    ...timings,
    maxZoneTtl: Math.max(timings.maxZoneTtl, await storedMaxTtl(client, zone)),
  };
  const plan = kind === "zsk"
    ? planZskRollover(keys, t, zoneTtls)
    : planKskRollover(keys, t, timings);
  if ("error" in plan) return { ok: false, error: plan.error };
  // A new key sealed with another sealing key than the zone's would be unusable by the nodes
  // while the old one retires on schedule: the zone would go dark. Refuse instead.
  const opened = (await readSigningKeys(client, box)).keys.filter((k) => k.zone === zone);
  if (opened.length < existing.length) {
    return {
      ok: false,
      error:
        "the zone's keys cannot be opened with this sealing key (DMP_TSIG_SECRET_KEY): a new key sealed with it would be unusable by the nodes",
    };
  }
  const algorithm = existing[0].algorithm;
  const k = await newKey(box, zone, algorithm, kind, existing.map((e) => e.keyTag));
  const ours = {
    sql: "EXISTS (SELECT 1 FROM dnssec_keys WHERE zone = ? AND key_tag = ? AND private_enc = ?)",
    args: [zone, k.tag, k.sealed],
  };
  const [insert] = await client.batch([
    insertKey(zone, k, algorithm, plan.newKey, t, {
      sql: `EXISTS (SELECT 1 FROM dnssec_keys WHERE zone = ?) AND ${NO_ROLLOVER}`,
      args: [zone, zone, t, t, t, t, t, t],
    }),
    ...plan.changes.map((c) => updateKey(zone, existing[c.index].keyTag, c.set, ours)),
    // The new key is published now: the transferred zone's DNSKEY set changes, so its serial
    // moves in this write, as when signing is turned on. Left to the re-sign check, a change
    // of the zone in the same second (a record added just before) kept it from moving, and
    // secondaries went from the old key straight to signatures by the new one.
    {
      sql: `UPDATE zones SET serial = ${nextSerialSql(t)} WHERE name = ? AND ${ours.sql}`,
      args: [zone, ...ours.args],
    },
    {
      sql: "INSERT INTO journal (ts, zone, name) SELECT ?, ?, ? WHERE changes() > 0",
      args: [t, zone, zone],
    },
    journalRow(t, ours),
  ], "write");
  if (insert.rowsAffected === 0) {
    return {
      ok: false,
      error: "a rollover is already in progress: see dnssec-status for its next step",
    };
  }
  return { ok: true, keyTag: k.tag, keys: await listSigningKeys(client, zone) };
}

/** The largest TTL stored in the zone: its records' and its SOA minimum (negative answers). */
async function storedMaxTtl(client: SqlClient, zone: string): Promise<number> {
  const r = await client.execute({
    sql: `SELECT MAX(m) AS m FROM (
            SELECT MAX(ttl) AS m FROM records WHERE zone = ?
            UNION ALL SELECT soa_minimum AS m FROM zones WHERE name = ?)`,
    args: [zone, zone],
  });
  return Number(r.rows[0]?.m ?? 0);
}

/**
 * Records the operator's word that the parent serves the DS of the new KSK
 * `keyTag` of `zone` (the double-DS step, RFC 7583 §3.3.2): the switch to
 * the new KSK and the old one's retirement are scheduled from `now`. Refused,
 * nothing written, for a tag that is not a KSK waiting for its DS.
 */
export async function confirmDsSeen(
  client: SqlClient,
  zone: string,
  keyTag: number,
  now: number,
  timings: RolloverTimings,
): Promise<KeyChangeResult> {
  const t = Math.floor(now);
  const existing = await listSigningKeys(client, zone);
  if (existing.length === 0) return { ok: false, error: "the zone is not signed" };
  const plan = planDsSeen(
    existing.map((k) => k.times),
    existing.map((k) => k.keyTag),
    keyTag,
    t,
    timings,
  );
  if ("error" in plan) return { ok: false, error: plan.error };
  const waiting = {
    sql: "EXISTS (SELECT 1 FROM dnssec_keys WHERE zone = ? AND key_tag = ? AND active_at IS NULL)",
    args: [zone, keyTag],
  };
  // The new key's row is written last: the old keys' updates are guarded by it still waiting,
  // so of two racing confirmations only the first changes anything.
  const changes = plan.changes.filter((c) => existing[c.index].keyTag !== keyTag);
  const self = plan.changes.find((c) => existing[c.index].keyTag === keyTag)!;
  const results = await client.batch([
    ...changes.map((c) => updateKey(zone, existing[c.index].keyTag, c.set, waiting)),
    updateKey(zone, keyTag, self.set, { sql: "active_at IS NULL", args: [] }),
    journalRow(t, {
      sql: "EXISTS (SELECT 1 FROM dnssec_keys WHERE zone = ? AND key_tag = ? AND ds_seen_at = ?)",
      args: [zone, keyTag, t],
    }),
  ], "write");
  if (results[changes.length].rowsAffected === 0) {
    return { ok: false, error: `key ${keyTag} is not waiting for its DS (already confirmed)` };
  }
  return { ok: true, keyTag, keys: await listSigningKeys(client, zone) };
}
