import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { parseMasterFile } from "../zone/master_file.ts";
import { applyRecordChanges, readZoneRecords } from "./records.ts";
import type { SqlClient } from "./sql_client.ts";
import { checkZoneRecords, importZone, ZoneImportError } from "./zone_import.ts";
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
          e instanceof ZoneImportError &&
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
