import assert from "node:assert/strict";
import { freshDatabase } from "../../../../tests/_support/node_process.ts";
import { startSqld } from "../../../../tests/_support/sqld.ts";
import { migrate, SCHEMA_VERSION } from "../migrate.ts";
import { applyRecordChanges, readRecordsByName } from "../records.ts";
import type { SqlClient } from "../sql_client.ts";

/** `records` and its indexes as schema version 13 had them. */
const RECORDS_V13 = [
  `CREATE TABLE records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL,
    ttl INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL DEFAULT 0,
    stored_ts INTEGER NOT NULL, writer_key TEXT NOT NULL DEFAULT '',
    writer_subject TEXT NOT NULL DEFAULT '', value_bytes INTEGER NOT NULL DEFAULT 0,
    txt_split TEXT NOT NULL DEFAULT '',
    UNIQUE (name, type, value))`,
  "CREATE INDEX records_zone ON records (zone)",
  "CREATE INDEX records_expires ON records (expires_at) WHERE expires_at > 0",
  `CREATE INDEX records_writer_key ON records (writer_key, expires_at, value_bytes)
    WHERE writer_key <> ''`,
  `CREATE INDEX records_writer_subject ON records (writer_subject, expires_at, value_bytes)
    WHERE writer_subject <> ''`,
];

const Z = "hash.test";
const ROW_COLUMNS = `id, zone, name, type, value, ttl, created_at, expires_at, stored_ts,
  writer_key, writer_subject, value_bytes, txt_split`;

async function rowsOf(client: SqlClient): Promise<unknown[][]> {
  const r = await client.execute(`SELECT ${ROW_COLUMNS} FROM records ORDER BY id`);
  return Array.from(r.rows).map((row) => Array.from({ length: 13 }, (_, i) => row[i]));
}

async function pagesOf(client: SqlClient, name: string): Promise<number> {
  const r = await client.execute({
    sql: "SELECT count(*) AS n FROM dbstat WHERE name = ?",
    args: [name],
  });
  return Number(r.rows[0].n);
}

/** Brings `client`'s database back to schema 13 with three rows, migrates it and checks it. */
async function upgradeFrom13(client: SqlClient): Promise<void> {
  await client.batch([
    { sql: "DROP TABLE records" },
    ...RECORDS_V13.map((sql) => ({ sql })),
    {
      sql: `INSERT INTO records (${ROW_COLUMNS}) VALUES
        (3, ?, ?, 'TXT', 'v=dmp1;a', 60, 10, 0, 10000, 'k.${Z}', 'u1', 8, ''),
        (7, ?, ?, 'TXT', 'v=dmp1;b', 60, 11, 99, 11000, '', '', 8, '3'),
        (9, ?, ?, 'A', '192.0.2.1', 300, 12, 0, 12000, '', '', 9, '')`,
      args: [Z, `a.${Z}`, Z, `a.${Z}`, Z, Z],
    },
    // Ids up to 40 were handed out before (rows deleted since): none is handed out again.
    { sql: "UPDATE sqlite_sequence SET seq = 40 WHERE name = 'records'" },
    { sql: "UPDATE dmp_schema SET version = ?", args: [13] },
  ], "write");
  const before = await rowsOf(client);

  assert.equal(await migrate(client), SCHEMA_VERSION);
  assert.deepEqual(await rowsOf(client), before, "every row and column, ids unchanged");
  const indexes = await client.execute(
    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' ORDER BY name",
  );
  assert.deepEqual(Array.from(indexes.rows).map((r) => String(r.name)), [
    "records_expires",
    "records_key",
    "records_writer_key",
    "records_writer_subject",
    "records_zone",
  ], "no index holds the values any more");

  // An add of a value the name holds refreshes its row; a new value is a new row, with an id
  // above every id handed out before the migration (an upsert uses one up too).
  await applyRecordChanges(client, [
    { op: "add", zone: Z, name: `a.${Z}`, type: "TXT", value: "v=dmp1;a", ttl: 120 },
    { op: "add", zone: Z, name: `a.${Z}`, type: "TXT", value: "v=dmp1;c", ttl: 60 },
  ], { now: 20 });
  const a = await readRecordsByName(client, [`a.${Z}`], 20);
  const byValue = new Map(a.map((r) => [r.value, r]));
  assert.equal(a.length, 3, a.map((r) => r.value).join(","));
  assert.equal(byValue.get("v=dmp1;a")?.id, 3);
  assert.equal(byValue.get("v=dmp1;a")?.ttl, 120);
  const newId = byValue.get("v=dmp1;c")?.id ?? 0;
  assert.ok(newId > 40, `new id ${newId}`);

  // The key still refuses a second row of the same value, and only of the same value.
  const duplicate = await client.execute({
    sql: `INSERT INTO records (zone, name, type, value, ttl, created_at, stored_ts)
          VALUES (?, ?, 'TXT', 'v=dmp1;b', 60, 1, 1)`,
    args: [Z, `a.${Z}`],
  }).catch((e) => e);
  assert.match(String(duplicate?.message), /UNIQUE constraint failed: index 'records_key'/);

  const plan = await client.execute({
    sql: "EXPLAIN QUERY PLAN DELETE FROM records WHERE name = ? AND type = ? AND value = ?",
    args: [`a.${Z}`, "TXT", "v=dmp1;a"],
  });
  assert.match(
    Array.from(plan.rows).map((r) => String(r.detail)).join("; "),
    /USING INDEX records_key \(name=\? AND type=\?\)/,
  );
}

Deno.test({
  name: "migration 14 keeps every row, id and the id counter, and keys records by the value's hash",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      await upgradeFrom13(client);
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "migration 14 on sqld: the same upgrade through the primary's HTTP API",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sqld = await startSqld();
    try {
      await upgradeFrom13(sqld.client);
    } finally {
      sqld.client.close();
      await sqld.stop();
      await Deno.remove(sqld.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "records' unique index holds 32-byte hashes, not the values: a fraction of the table",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      const value = (i: number) =>
        `v=dmp1;t=id;k=${String(i).padStart(8, "0")};s=${"x".repeat(160)}`;
      const changes = Array.from({ length: 2000 }, (_, i) => ({
        op: "add" as const,
        zone: Z,
        name: `slot-${i % 10}.mb-${Math.floor(i / 10)}.${Z}`,
        type: "TXT",
        value: value(i),
        ttl: 60,
      }));
      await applyRecordChanges(client, changes, { now: 20 });
      const table = await pagesOf(client, "records");
      const key = await pagesOf(client, "records_key");
      // The value-keyed index of schema 13 was about as large as the table.
      assert.ok(key * 3 < table, `records_key ${key} pages, records ${table}`);
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
