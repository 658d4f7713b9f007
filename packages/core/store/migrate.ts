/**
 * Schema migrations. The version lives in table `dmp_schema` (not PRAGMA
 * user_version, which remote libSQL connections do not carry reliably). A
 * database newer than this code is refused with a clear message rather than
 * being read wrongly.
 *
 * This module is browser compatible.
 * @module
 */

import { MIGRATION_0001 } from "./migrations/0001_initial.ts";
import { MIGRATION_0002 } from "./migrations/0002_heartbeats_seen.ts";
import { MIGRATION_0003 } from "./migrations/0003_update_guards.ts";
import { MIGRATION_0004 } from "./migrations/0004_registration_claims.ts";
import { MIGRATION_0005 } from "./migrations/0005_heartbeat_sightings.ts";
import { MIGRATION_0006 } from "./migrations/0006_zone_transfer.ts";
import { MIGRATION_0007 } from "./migrations/0007_serial_policy.ts";
import { MIGRATION_0008 } from "./migrations/0008_dashboard_sessions.ts";
import { MIGRATION_0009 } from "./migrations/0009_dnssec_keys.ts";
import { MIGRATION_0010 } from "./migrations/0010_dnssec_key_states.ts";
import { MIGRATION_0011 } from "./migrations/0011_node_stats.ts";
import { MIGRATION_0012 } from "./migrations/0012_query_log.ts";
import { MIGRATION_0013 } from "./migrations/0013_used_macs_by_expiry.ts";
import { MIGRATION_0014 } from "./migrations/0014_records_keyed_by_value_hash.ts";
import type { SqlClient, SqlStatement } from "./sql_client.ts";

/** Ordered migrations; index i brings the schema to version i + 1. */
const MIGRATIONS: readonly (readonly string[])[] = [
  MIGRATION_0001,
  MIGRATION_0002,
  MIGRATION_0003,
  MIGRATION_0004,
  MIGRATION_0005,
  MIGRATION_0006,
  MIGRATION_0007,
  MIGRATION_0008,
  MIGRATION_0009,
  MIGRATION_0010,
  MIGRATION_0011,
  MIGRATION_0012,
  MIGRATION_0013,
  MIGRATION_0014,
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/** Thrown when the database was written by a newer dmp-edge. */
export class SchemaTooNewError extends Error {
  /** @param found the version stamped in the database */
  constructor(found: number) {
    super(
      `Cannot open database: its schema version ${found} is newer than this dmp-edge understands (${SCHEMA_VERSION}); upgrade dmp-edge`,
    );
    this.name = "SchemaTooNewError";
  }
}

/**
 * Reads the schema version (0 for an empty database).
 *
 * @example
 * ```ts ignore
 * const v = await readSchemaVersion(client);
 * ```
 */
export async function readSchemaVersion(client: SqlClient): Promise<number> {
  const t = await client.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'dmp_schema'",
  );
  if (t.rows.length === 0) return 0;
  const r = await client.execute("SELECT version FROM dmp_schema LIMIT 1");
  return r.rows.length === 0 ? 0 : Number(r.rows[0].version);
}

/**
 * Brings the database to {@linkcode SCHEMA_VERSION}; each step is one atomic
 * batch. Throws {@linkcode SchemaTooNewError} for a newer database.
 *
 * @example
 * ```ts ignore
 * await migrate(client);
 * ```
 */
export async function migrate(client: SqlClient): Promise<number> {
  let version = await readSchemaVersion(client);
  if (version > SCHEMA_VERSION) throw new SchemaTooNewError(version);
  while (version < SCHEMA_VERSION) {
    const stmts: SqlStatement[] = MIGRATIONS[version].map((sql) => ({ sql }));
    if (version === 0) stmts.unshift({ sql: "CREATE TABLE dmp_schema (version INTEGER NOT NULL)" });
    stmts.push({ sql: "DELETE FROM dmp_schema" });
    stmts.push({ sql: "INSERT INTO dmp_schema (version) VALUES (?)", args: [version + 1] });
    try {
      await client.batch(stmts, "write");
    } catch (e) {
      // Another process may have migrated concurrently; re-read before failing.
      const now = await readSchemaVersion(client);
      if (now <= version) throw e;
    }
    version = await readSchemaVersion(client);
  }
  return version;
}
