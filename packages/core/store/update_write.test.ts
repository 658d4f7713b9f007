import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { applyRecordChanges, readRecordsByName, type RecordChange } from "./records.ts";
import {
  applyUpdateWrites,
  pruneUsedTsigMacs,
  recordUsedTsigMac,
  ReplayedUpdateError,
  UpdateGuardError,
  type UpdateWrite,
} from "./update_write.ts";
import { readZone, upsertZone } from "./zones.ts";
import { migrate, SCHEMA_VERSION } from "./migrate.ts";

const Z = "w.test";
const NOW = 1_800_000_000;
const add = (name: string, value: string): RecordChange => ({
  op: "add",
  zone: Z,
  name,
  type: "TXT",
  value,
  ttl: 60,
  lifetime: 60,
});

async function withDb(fn: (db: Awaited<ReturnType<typeof freshDatabase>>) => Promise<void>) {
  const db = await freshDatabase();
  try {
    await upsertZone(db.client, { name: Z, apexNs: [`ns1.${Z}`] }, NOW);
    await fn(db);
  } finally {
    db.client.close();
    await Deno.remove(db.dir, { recursive: true });
  }
}

Deno.test({
  name: "a failed prerequisite names its write; the whole batch is rolled back",
  sanitizeResources: false,
  fn: () =>
    withDb(async ({ client }) => {
      const writes: UpdateWrite[] = [
        { prerequisites: [], changes: [add(`a.${Z}`, "1")] },
        { prerequisites: [{ kind: "name_in_use", name: `nowhere.${Z}` }], changes: [] },
        { prerequisites: [], changes: [add(`b.${Z}`, "2")] },
      ];
      const e = await applyUpdateWrites(client, writes, { now: NOW }).catch((x) => x);
      assert.ok(e instanceof UpdateGuardError);
      assert.equal(e.failure, "prereq_nxdomain");
      assert.equal(e.writeIndex, 1);
      assert.deepEqual(await readRecordsByName(client, [`a.${Z}`, `b.${Z}`], NOW), []);
      // Later writes see earlier ones in the same batch: add X, then "X not in use" fails.
      const seq = await applyUpdateWrites(client, [
        { prerequisites: [], changes: [add(`c.${Z}`, "3")] },
        { prerequisites: [{ kind: "name_not_in_use", name: `c.${Z}` }], changes: [] },
      ], { now: NOW }).catch((x) => x);
      assert.ok(seq instanceof UpdateGuardError);
      assert.equal(seq.failure, "prereq_yxdomain");
      assert.equal(seq.writeIndex, 1);
    }),
});

Deno.test({
  name: "a committed batch returns the journal position it reached",
  sanitizeResources: false,
  fn: () =>
    withDb(async ({ client }) => {
      const first = await applyUpdateWrites(client, [
        { prerequisites: [], changes: [add(`p.${Z}`, "1")] },
        { prerequisites: [], changes: [add(`q.${Z}`, "2")] },
      ], { now: NOW });
      const max = async () =>
        Number((await client.execute("SELECT max(seq) AS s FROM journal")).rows[0].s);
      assert.equal(first, await max());
      const second = await applyUpdateWrites(client, [
        { prerequisites: [], changes: [add(`r.${Z}`, "3")] },
      ], { now: NOW });
      assert.ok(second > first);
      assert.equal(second, await max());
      // Nothing to write: no transaction, position 0.
      assert.equal(await applyUpdateWrites(client, [], { now: NOW }), 0);
    }),
});

Deno.test({
  name: "a used MAC is refused until pruned; value-dependent prerequisites match exactly",
  sanitizeResources: false,
  fn: () =>
    withDb(async ({ client }) => {
      const usedMac = { mac: "AB12".repeat(16), expiresAt: NOW + 300 };
      await applyUpdateWrites(client, [{
        prerequisites: [],
        changes: [add(`a.${Z}`, "1"), add(`a.${Z}`, "2")],
        usedMac,
      }], { now: NOW });
      const again = await applyUpdateWrites(client, [
        { prerequisites: [], changes: [add(`x.${Z}`, "x")] },
        { prerequisites: [], changes: [add(`y.${Z}`, "y")], usedMac },
      ], { now: NOW + 1 }).catch((x) => x);
      assert.ok(again instanceof ReplayedUpdateError);
      assert.equal(again.writeIndex, 1);
      assert.equal(await pruneUsedTsigMacs(client, NOW + 300), 0, "kept through a clock margin");
      assert.equal(await pruneUsedTsigMacs(client, NOW + 601), 1);

      const equals = (values: string[]): UpdateWrite => ({
        prerequisites: [{ kind: "rrset_equals", name: `a.${Z}`, type: "TXT", values }],
        changes: [],
      });
      await applyUpdateWrites(client, [equals(["2", "1"])], { now: NOW });
      for (const values of [["1"], ["1", "2", "3"], ["1", "3"]]) {
        const e = await applyUpdateWrites(client, [equals(values)], { now: NOW }).catch((x) => x);
        assert.ok(e instanceof UpdateGuardError, values.join());
        assert.equal(e.failure, "prereq_nxrrset");
      }
    }),
});

Deno.test({
  name: "used MACs: the same MAC at another expiry is no replay; the prune reads a key range",
  sanitizeResources: false,
  fn: () =>
    withDb(async ({ client }) => {
      const mac = "0123456789abcdef".repeat(4);
      const write = (expiresAt: number, name: string): UpdateWrite => ({
        prerequisites: [],
        changes: [add(`${name}.${Z}`, name)],
        usedMac: { mac, expiresAt },
      });
      await applyUpdateWrites(client, [write(NOW + 300, "a")], { now: NOW });
      // Time Signed + fudge is part of what the request signed: a replay repeats it.
      await applyUpdateWrites(client, [write(NOW + 301, "b")], { now: NOW });
      const replay = await applyUpdateWrites(client, [write(NOW + 300, "c")], { now: NOW })
        .catch((x) => x);
      assert.ok(replay instanceof ReplayedUpdateError);
      await recordUsedTsigMac(client, { mac, expiresAt: NOW + 300 }); // already there: no error
      const rows = await client.execute("SELECT expires_at, mac FROM tsig_used_macs ORDER BY 1");
      assert.deepEqual(Array.from(rows.rows).map((r) => [Number(r.expires_at), String(r.mac)]), [
        [NOW + 300, "0123456789ab"],
        [NOW + 301, "0123456789ab"],
      ]);
      const plan = await client.execute(
        "EXPLAIN QUERY PLAN DELETE FROM tsig_used_macs WHERE expires_at < 5",
      );
      const detail = Array.from(plan.rows).map((r) => String(r.detail)).join("; ");
      assert.match(detail, /SEARCH tsig_used_macs USING PRIMARY KEY \(expires_at<\?\)/, detail);
      assert.equal(await pruneUsedTsigMacs(client, NOW + 300 + 300 + 1), 1);
    }),
});

Deno.test({
  name: "migration 13 keeps the MACs remembered before it: a replay across the upgrade is refused",
  sanitizeResources: false,
  fn: () =>
    withDb(async ({ client }) => {
      const mac = "fedcba9876543210".repeat(4);
      // The table as schema version 12 had it, with one remembered MAC.
      await client.batch([
        { sql: "DROP TABLE tsig_used_macs" },
        {
          sql: `CREATE TABLE tsig_used_macs (key_name TEXT NOT NULL, mac TEXT NOT NULL,
            expires_at INTEGER NOT NULL, PRIMARY KEY (key_name, mac)) WITHOUT ROWID`,
        },
        { sql: "CREATE INDEX tsig_used_macs_expires ON tsig_used_macs (expires_at)" },
        {
          sql: "INSERT INTO tsig_used_macs (key_name, mac, expires_at) VALUES (?, ?, ?)",
          args: [`k.${Z}`, mac.toUpperCase(), NOW + 300],
        },
        { sql: "UPDATE dmp_schema SET version = ?", args: [12] },
      ], "write");
      assert.equal(await migrate(client), SCHEMA_VERSION);
      const replay = await applyUpdateWrites(client, [{
        prerequisites: [],
        changes: [add(`a.${Z}`, "a")],
        usedMac: { mac, expiresAt: NOW + 300 },
      }], { now: NOW }).catch((x) => x);
      assert.ok(replay instanceof ReplayedUpdateError, String(replay));
      const left = await client.execute(
        "SELECT name FROM sqlite_master WHERE tbl_name LIKE 'tsig_used_macs%' ORDER BY name",
      );
      // The old expiry index went with the old table; the new key is the table itself.
      assert.deepEqual(Array.from(left.rows).map((r) => String(r.name)), ["tsig_used_macs"]);
    }),
});

Deno.test({
  name: "quotas count live rows of the key and its user after the write; expired rows are free",
  sanitizeResources: false,
  fn: () =>
    withDb(async ({ client }) => {
      const quotas = {
        recordsPerKey: 2,
        bytesPerKey: 0,
        recordsPerUser: 3,
        bytesPerUser: 0,
        valuesPerKeyPerName: 0,
      };
      const as = (key: string, ...changes: RecordChange[]): UpdateWrite => ({
        prerequisites: [],
        changes,
        writer: { key, subject: "u@w.test" },
        quotas,
      });
      await applyUpdateWrites(client, [as("k1", add(`a.${Z}`, "1"), add(`b.${Z}`, "1"))], {
        now: NOW,
      });
      const third = await applyUpdateWrites(client, [as("k1", add(`c.${Z}`, "1"))], { now: NOW })
        .catch((x) => x);
      assert.ok(third instanceof UpdateGuardError);
      assert.equal(third.failure, "quota_records_per_key");
      await applyUpdateWrites(client, [as("k2", add(`d.${Z}`, "1"))], { now: NOW });
      const user = await applyUpdateWrites(client, [as("k2", add(`e.${Z}`, "1"))], { now: NOW })
        .catch((x) => x);
      assert.ok(user instanceof UpdateGuardError);
      assert.equal(user.failure, "quota_records_per_user");
      // After the 60 s lifetimes, the same writes fit again.
      await applyUpdateWrites(client, [as("k1", add(`c.${Z}`, "1"))], { now: NOW + 61 });
    }),
});

Deno.test({
  name: "SOA: taken only with a larger serial in RFC 1982 arithmetic, journalled only then",
  sanitizeResources: false,
  fn: () =>
    withDb(async ({ client }) => {
      const serial = (await readZone(client, Z))!.serial;
      const soa = (s: number): UpdateWrite => ({
        prerequisites: [],
        changes: [],
        soa: {
          zone: Z,
          mname: `ns1.${Z}`,
          rname: `admin.${Z}`,
          serial: s,
          refresh: 1,
          retry: 2,
          expire: 3,
          minimum: 4,
        },
      });
      const journal = async () =>
        Number((await client.execute("SELECT count(*) AS n FROM journal")).rows[0].n);
      const before = await journal();
      await applyUpdateWrites(client, [soa(serial)], { now: NOW });
      await applyUpdateWrites(client, [soa(serial + 2 ** 31 + 1)], { now: NOW });
      assert.equal((await readZone(client, Z))!.serial, serial, "equal / 2^31+1 ahead: ignored");
      assert.equal(await journal(), before, "an ignored SOA changes nothing");
      await applyUpdateWrites(client, [soa(serial + 2 ** 31 - 1)], { now: NOW });
      const z = (await readZone(client, Z))!;
      assert.equal(z.serial, serial + 2 ** 31 - 1);
      assert.equal(z.soaRefresh, 1);
      assert.equal(await journal(), before + 1);
    }),
});

Deno.test({
  name:
    "RFC 2136 §3.4.2.2 in the transaction: a CNAME beside data written elsewhere is ignored whole",
  sanitizeResources: false,
  fn: () =>
    withDb(async ({ client }) => {
      // CNAME and A side by side, as an older import or the operator API could leave them.
      const n = `both.${Z}`;
      await applyRecordChanges(client, [
        { op: "add", zone: Z, name: n, type: "CNAME", value: `old.${Z}`, ttl: 60 },
        { op: "add", zone: Z, name: n, type: "A", value: "192.0.2.1", ttl: 60 },
      ], { now: NOW });
      await applyUpdateWrites(client, [{
        prerequisites: [],
        changes: [{ op: "add", zone: Z, name: n, type: "CNAME", value: `new.${Z}`, ttl: 60 }],
      }], { now: NOW });
      const cnames = (await readRecordsByName(client, [n], NOW)).filter((r) => r.type === "CNAME");
      assert.deepEqual(cnames.map((r) => r.value), [`old.${Z}`], "neither replaced nor added");
    }),
});
