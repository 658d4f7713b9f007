import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { parseMasterFile } from "../zone/master_file.ts";
import { applyRecordChanges, readZoneRecords } from "./records.ts";
import type { SqlClient } from "./sql_client.ts";
import {
  applyZoneImport,
  checkZoneRecords,
  importZone,
  planZoneImport,
  ZoneImportError,
} from "./zone_import.ts";
import { checkFingerprint, zoneImportFingerprint } from "./zone_import_fingerprint.ts";
import type { SerialPolicy } from "../zone/serial.ts";
import { readZone } from "./zones.ts";

function records(text: string) {
  const r = parseMasterFile(text, { origin: "z.test" });
  if (!r.ok) throw new Error(r.error);
  return r.records;
}

Deno.test("checkZoneRecords: CNAME rules name the line, counting kept data", () => {
  assert.equal(checkZoneRecords("z.test", records("a A 192.0.2.1\nb CNAME a\n")), undefined);
  assert.match(
    checkZoneRecords("z.test", records("\n@ CNAME x.\n"))!,
    /^line 2: a CNAME at the zone apex/,
  );
  assert.match(
    checkZoneRecords("z.test", records("b CNAME a\nb CNAME c\n"))!,
    /^line 2: b\.z\.test has a second CNAME \(the first on line 1\)/,
  );
  assert.match(
    checkZoneRecords("z.test", records("b CNAME a\n"), [{
      name: "b.z.test",
      type: "TXT",
      value: "t",
    }])!,
    /^line 1: b\.z\.test has a CNAME and other data \(TXT on the zone already\)/,
  );
  // The same CNAME again (a merge of the file it came from) is no second CNAME.
  assert.equal(
    checkZoneRecords("z.test", records("b CNAME a\n"), [
      { name: "b.z.test", type: "CNAME", value: "a.z.test" },
    ]),
    undefined,
  );
  assert.match(
    checkZoneRecords("z.test", records("b A 192.0.2.1\n"), [{
      name: "b.z.test",
      type: "CNAME",
      value: "a.z.test",
    }])!,
    /^line 1: b\.z\.test has a A beside its CNAME \(on the zone already\)/,
  );
});

Deno.test({
  name: "importZone: a write between reading the zone and writing the difference fails it whole",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      const now = 1_800_000_000;
      await importZone(client, "z.test", records("@ 60 SOA ns hm 5 1 1 1 60\n@ NS ns\n"), { now });
      // A client that lets another writer in right after the import has read the records.
      let raced = false;
      const racing: SqlClient = {
        execute: async (stmt) => {
          const r = await client.execute(stmt);
          const sql = typeof stmt === "string" ? stmt : stmt.sql;
          if (!raced && /FROM records WHERE zone/.test(sql)) {
            raced = true;
            await applyRecordChanges(client, [{
              op: "add",
              zone: "z.test",
              name: "other.z.test",
              type: "A",
              value: "192.0.2.9",
              ttl: 60,
            }], { now });
          }
          return r;
        },
        batch: (stmts, mode) => client.batch(stmts, mode),
      };
      await assert.rejects(
        importZone(racing, "z.test", records("@ 60 SOA ns hm 9 1 1 1 60\nnew A 192.0.2.1\n"), {
          now,
          replace: true,
        }),
        (e) =>
          e instanceof ZoneImportError && e.conflict &&
          /changed while the file was being compared/.test(e.message),
      );
      assert.ok(raced);
      const names = (await readZoneRecords(client, "z.test", now)).map((r) => r.name).sort();
      assert.deepEqual(
        names,
        ["other.z.test", "z.test"],
        "the racing write stays, the import wrote nothing",
      );
      // Only the racing write moved the serial (policy unixtime: to the clock).
      assert.equal((await readZone(client, "z.test"))?.serial, now);
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "planZoneImport: the serial it predicts is the one applyZoneImport writes, per policy",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      const now = 1_800_000_000;
      const cases: [SerialPolicy, string, string][] = [
        // policy, first file, second file (serial behind, ahead, or no SOA at all)
        [
          "increment",
          "@ 60 SOA ns hm 5 1 1 1 60\n@ NS ns\n",
          "@ 60 SOA ns hm 4 1 1 1 60\na A 192.0.2.1\n",
        ],
        [
          "unixtime",
          "@ 60 SOA ns hm 5 1 1 1 60\n@ NS ns\n",
          "@ 60 SOA ns hm 4 1 1 1 60\na A 192.0.2.1\n",
        ],
        ["dateserial", "@ 60 SOA ns hm 5 1 1 1 60\n@ NS ns\n", "a A 192.0.2.1\n"],
        ["increment", "@ 60 SOA ns hm 5 1 1 1 60\n@ NS ns\n", "@ 60 SOA ns hm 9 1 1 1 60\n"],
        ["unixtime", "@ NS ns\n", "b A 192.0.2.2\n"],
      ];
      for (const [i, [policy, first, second]] of cases.entries()) {
        const zone = `p${i}.test`;
        const recs = (t: string) => {
          const r = parseMasterFile(t, { origin: zone });
          if (!r.ok) throw new Error(r.error);
          return r.records;
        };
        for (const text of [first, second, second]) {
          const plan = await planZoneImport(client, zone, recs(text), {
            now,
            serialPolicy: policy,
          });
          const r = await applyZoneImport(client, plan, { now });
          assert.equal(r.serial, plan.serialAfter, `${policy} ${JSON.stringify(text)}`);
          assert.equal((await readZone(client, zone))?.serial, plan.serialAfter);
          assert.equal(plan.noop, r.added === 0 && plan.before?.serial === r.serial);
        }
      }
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "zoneImportFingerprint: moves with every write to the zone (its serial), the file and the options",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      const now = 1_800_000_000;
      const text = "@ 60 SOA ns hm 5 1 1 1 60\n@ NS ns\n";
      await importZone(client, "z.test", records(text), { now });
      const fp = async (t: string, replace = false) =>
        await zoneImportFingerprint(
          await planZoneImport(client, "z.test", records(t), { now, replace }),
          { text: t, replace },
        );
      const a = await fp(text);
      assert.equal(await fp(text), a, "stable");
      assert.equal(checkFingerprint(await fp(text + "x A 192.0.2.1\n"), a), "input_differs");
      assert.equal(checkFingerprint(await fp(text, true), a), "input_differs");
      // A DMP value (a lifetime) is not zone data the import touches...
      await applyRecordChanges(client, [{
        op: "add",
        zone: "z.test",
        name: "slot.z.test",
        type: "TXT",
        value: "v=dmp1;t=x",
        ttl: 60,
        lifetime: 3600,
      }], { now });
      // ...but it moved the serial, which the fingerprint covers, as the apply's guard does.
      assert.equal(checkFingerprint(await fp(text), a), "zone_changed");
      const b = await fp(text);
      await applyRecordChanges(client, [{
        op: "add",
        zone: "z.test",
        name: "w.z.test",
        type: "A",
        value: "192.0.2.7",
        ttl: 60,
      }], { now });
      assert.equal(checkFingerprint(await fp(text), b), "zone_changed");
      assert.equal(checkFingerprint(b, b), "match");
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
