/**
 * Zones: creation with apex settings, listing, deletion. A zone row holds the
 * SOA fields and serial; apex A/AAAA/NS are records at the zone name.
 *
 * This module is browser compatible.
 * @module
 */

import { DNSSEC_JOURNAL_NAME } from "./dnssec_keys.ts";
import type { SqlClient, SqlStatement } from "./sql_client.ts";
import type { StoredZone } from "./records.ts";
import {
  DEFAULT_SERIAL_POLICY,
  firstSerial,
  isSerialPolicy,
  nextSerialSql,
  serialGreaterSql,
  type SerialPolicy,
} from "../zone/serial.ts";

/** Settings of a new or re-configured zone. */
export interface ZoneSettings {
  name: string;
  /** SOA MNAME; empty = synthesized from the first NS (or the zone name). */
  soaMname?: string;
  /** SOA RNAME in name form (`hostmaster.example.com`); empty = `hostmaster.<zone>`. */
  soaRname?: string;
  soaRefresh?: number;
  soaRetry?: number;
  soaExpire?: number;
  soaMinimum?: number;
  /** Apex A/AAAA/NS values; when given, they replace the apex RRsets of that type. */
  apexA?: readonly string[];
  apexAaaa?: readonly string[];
  apexNs?: readonly string[];
  /** TTL of apex records (default 3600). */
  apexTtl?: number;
  /** How the serial moves on changes (zone/serial.ts); absent = unchanged, or the default. */
  serialPolicy?: SerialPolicy;
  /**
   * A master file's SOA serial: a new zone takes it, an existing one takes it
   * when it is greater (RFC 1982) than its own, else moves on by its policy.
   */
  serial?: number;
}

function rowToZone(r: Record<string, unknown>): StoredZone {
  return {
    name: String(r.name),
    soaMname: String(r.soa_mname),
    soaRname: String(r.soa_rname),
    soaRefresh: Number(r.soa_refresh),
    soaRetry: Number(r.soa_retry),
    soaExpire: Number(r.soa_expire),
    soaMinimum: Number(r.soa_minimum),
    serial: Number(r.serial),
    serialPolicy: isSerialPolicy(r.serial_policy) ? r.serial_policy : DEFAULT_SERIAL_POLICY,
  };
}

/**
 * Every zone, by name.
 *
 * @example
 * ```ts ignore
 * const zones = await listZones(client);
 * ```
 */
export async function listZones(client: SqlClient): Promise<StoredZone[]> {
  const r = await client.execute("SELECT * FROM zones ORDER BY name");
  const out: StoredZone[] = [];
  for (let i = 0; i < r.rows.length; i++) out.push(rowToZone(r.rows[i]));
  return out;
}

/**
 * One zone, or undefined.
 *
 * @example
 * ```ts ignore
 * const z = await readZone(client, "example.com");
 * ```
 */
export async function readZone(client: SqlClient, name: string): Promise<StoredZone | undefined> {
  const r = await client.execute({ sql: "SELECT * FROM zones WHERE name = ?", args: [name] });
  return r.rows.length ? rowToZone(r.rows[0]) : undefined;
}

/**
 * Creates a zone or updates its settings (upsert), in one transaction with its
 * apex records and a journal entry. Values must already be validated.
 *
 * @example
 * ```ts ignore
 * await upsertZone(client, { name: "example.com", apexNs: ["ns1.example.com"] }, now);
 * ```
 */
export async function upsertZone(client: SqlClient, z: ZoneSettings, now: number): Promise<void> {
  await client.batch(zoneUpsertStatements(z, now), "write");
}

/**
 * The statements of {@linkcode upsertZone}: the zone row (its serial moved
 * once, by the rule of `zone/serial.ts`), its apex records and a journal
 * entry, for callers that write more in the same transaction (a zone import).
 *
 * @example
 * ```ts ignore
 * await client.batch([...zoneUpsertStatements({ name: "example.com", serial: 2026112601 }, now), ...more], "write");
 * ```
 */
export function zoneUpsertStatements(z: ZoneSettings, now: number): SqlStatement[] {
  const t = Math.floor(now);
  if (z.serialPolicy !== undefined && !isSerialPolicy(z.serialPolicy)) {
    throw new TypeError(`serial policy ${JSON.stringify(z.serialPolicy)} is not one`);
  }
  const serial = z.serial === undefined ? undefined : Math.floor(z.serial);
  if (serial !== undefined && !(serial >= 0 && serial <= 0xffffffff)) {
    throw new RangeError(`serial ${z.serial} is not a 32-bit serial`);
  }
  // Validated enum and integers: written into the SQL as literals (serial.ts builds the rule).
  const policy = z.serialPolicy === undefined ? "zones.serial_policy" : `'${z.serialPolicy}'`;
  const moved = nextSerialSql(now, "zones.serial", policy);
  // RFC 1982 §3.2: the file's serial is taken only when it moves the zone forward.
  const onConflictSerial = serial === undefined
    ? moved
    : `CASE WHEN ${
      serialGreaterSql(String(serial), "zones.serial")
    } THEN ${serial} ELSE ${moved} END`;
  const stmts: SqlStatement[] = [{
    sql: `INSERT INTO zones (name, soa_mname, soa_rname, soa_refresh, soa_retry, soa_expire,
            soa_minimum, serial, serial_policy, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (name) DO UPDATE SET soa_mname = excluded.soa_mname,
            soa_rname = excluded.soa_rname, soa_refresh = excluded.soa_refresh,
            soa_retry = excluded.soa_retry, soa_expire = excluded.soa_expire,
            soa_minimum = excluded.soa_minimum, serial = ${onConflictSerial},
            serial_policy = ${policy}`,
    args: [
      z.name,
      z.soaMname ?? "",
      z.soaRname ?? "",
      z.soaRefresh ?? 3600,
      z.soaRetry ?? 600,
      z.soaExpire ?? 604800,
      z.soaMinimum ?? 60,
      serial ?? firstSerial(z.serialPolicy ?? DEFAULT_SERIAL_POLICY, now),
      z.serialPolicy ?? DEFAULT_SERIAL_POLICY,
      t,
    ],
  }];
  const apex: [string, readonly string[] | undefined][] = [
    ["A", z.apexA],
    ["AAAA", z.apexAaaa],
    ["NS", z.apexNs],
  ];
  for (const [type, values] of apex) {
    if (values === undefined) continue;
    stmts.push({ sql: "DELETE FROM records WHERE name = ? AND type = ?", args: [z.name, type] });
    for (const v of values) {
      stmts.push({
        sql: `INSERT INTO records (zone, name, type, value, ttl, created_at, expires_at, stored_ts)
              VALUES (?, ?, ?, ?, ?, ?, 0, ?)`,
        args: [z.name, z.name, type, v, z.apexTtl ?? 3600, t, t * 1000],
      });
    }
  }
  stmts.push({ sql: "INSERT INTO journal (ts, zone, name) VALUES (?, ?, '')", args: [t, z.name] });
  return stmts;
}

/**
 * Deletes a zone, all its records and its DNSSEC keys (a zone made again
 * under the name starts unsigned, never with an old key); returns false when
 * it did not exist.
 *
 * @example
 * ```ts ignore
 * await deleteZone(client, "example.com", now);
 * ```
 */
export async function deleteZone(client: SqlClient, name: string, now: number): Promise<boolean> {
  const res = await client.batch([
    { sql: "DELETE FROM zones WHERE name = ?", args: [name] },
    { sql: "DELETE FROM records WHERE zone = ?", args: [name] },
    { sql: "DELETE FROM dnssec_keys WHERE zone = ?", args: [name] },
    {
      sql: "INSERT INTO journal (ts, zone, name) VALUES (?, ?, '')",
      args: [Math.floor(now), name],
    },
    // Nodes drop the zone's signer with their keys (zone "" rows, store/dnssec_keys.ts).
    {
      sql: "INSERT INTO journal (ts, zone, name) VALUES (?, '', ?)",
      args: [Math.floor(now), DNSSEC_JOURNAL_NAME],
    },
  ], "write");
  return res[0].rowsAffected > 0;
}
