import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { applyRecordChanges } from "../store/records.ts";
import { readZone, upsertZone } from "../store/zones.ts";
import {
  firstSerial,
  nextSerial,
  nextSerialSql,
  policySerial,
  serialGreater,
  type SerialPolicy,
} from "./serial.ts";

const NOV_26_2026 = Date.UTC(2026, 10, 26, 12) / 1000; // 1795694400

Deno.test("RFC 1982 §3.2 comparison: wrap-around, the 2^31 horizon, equality", () => {
  assert.ok(serialGreater(1, 0));
  assert.ok(serialGreater(0, 4294967295)); // 0 follows 2^32 - 1
  assert.ok(serialGreater(5, 4294967290));
  assert.ok(!serialGreater(4294967290, 5));
  assert.ok(serialGreater(2147483647, 0)); // 2^31 - 1 ahead: greater
  assert.ok(!serialGreater(2147483648, 0)); // exactly 2^31 apart: undefined, so not greater
  assert.ok(!serialGreater(0, 2147483648));
  assert.ok(!serialGreater(7, 7));
});

Deno.test("next serial per policy: counts, follows the clock or the date, never goes back", () => {
  // increment counts from anything, wrapping 2^32 - 1 to 0 (RFC 1982 §3.1).
  assert.equal(nextSerial(41, "increment", NOV_26_2026), 42);
  assert.equal(nextSerial(4294967295, "increment", NOV_26_2026), 0);
  // unixtime: the clock when ahead, else one more (an imported 2026112601 is ahead of 2026's clock).
  assert.equal(nextSerial(1000, "unixtime", NOV_26_2026), 1795694400);
  assert.equal(nextSerial(2026112601, "unixtime", NOV_26_2026), 2026112602);
  assert.equal(nextSerial(1795694400, "unixtime", NOV_26_2026), 1795694401); // same second
  // unixtime across the wrap: a serial just below 2^32 is behind the clock in RFC 1982 terms.
  assert.equal(nextSerial(4294967000, "unixtime", NOV_26_2026), 1795694400);
  // dateserial: YYYYMMDD00, then nn counts within the day, then runs on.
  assert.equal(policySerial("dateserial", NOV_26_2026), 2026112600);
  assert.equal(nextSerial(2026112500, "dateserial", NOV_26_2026), 2026112600);
  assert.equal(nextSerial(2026112600, "dateserial", NOV_26_2026), 2026112601);
  assert.equal(nextSerial(2026112699, "dateserial", NOV_26_2026), 2026112700);
  assert.equal(nextSerial(1795694400, "dateserial", NOV_26_2026), 2026112600); // from unixtime
  // A serial ahead of the date (in RFC 1982 terms) counts on instead of jumping backwards,
  // while one just below 2^32 is behind it (wrapped) and the date is taken.
  assert.equal(nextSerial(3000000000, "dateserial", NOV_26_2026), 3000000001);
  assert.equal(nextSerial(4294967290, "dateserial", NOV_26_2026), 2026112600);
  assert.equal(firstSerial("increment", NOV_26_2026), 1);
  assert.equal(firstSerial("unixtime", NOV_26_2026), 1795694400);
});

Deno.test({
  name: "the SQL rule moves a stored serial exactly as nextSerial does (libSQL, every policy)",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      const cases: [SerialPolicy, number][] = [];
      for (const p of ["increment", "unixtime", "dateserial"] as SerialPolicy[]) {
        for (
          const s of [0, 1, 1795694400, 2026112600, 2026112699, 2147483647, 4294967000, 4294967295]
        ) cases.push([p, s]);
      }
      for (const [policy, serial] of cases) {
        const lit = await client.execute(
          `SELECT ${nextSerialSql(NOV_26_2026, String(serial), `'${policy}'`)} AS n`,
        );
        assert.equal(
          Number(lit.rows[0].n),
          nextSerial(serial, policy, NOV_26_2026),
          `${policy} ${serial}`,
        );
      }
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "zone writes: a file's serial is kept, later changes move it by the zone's policy",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      const add = (zone: string, now: number) =>
        applyRecordChanges(client, [{
          op: "add",
          zone,
          name: `www.${zone}`,
          type: "A",
          value: `192.0.2.${Math.floor(now) % 250}`,
          ttl: 60,
        }], { now });
      await upsertZone(client, { name: "file.test", serial: 2026112601 }, NOV_26_2026);
      assert.equal((await readZone(client, "file.test"))?.serial, 2026112601);
      assert.equal((await readZone(client, "file.test"))?.serialPolicy, "unixtime");
      await add("file.test", NOV_26_2026);
      assert.equal((await readZone(client, "file.test"))?.serial, 2026112602);
      // Re-imported with an older serial: the zone does not go back, it moves on once.
      await upsertZone(client, { name: "file.test", serial: 5 }, NOV_26_2026);
      assert.equal((await readZone(client, "file.test"))?.serial, 2026112603);
      // A newer file serial is taken as it is.
      await upsertZone(client, { name: "file.test", serial: 2026112700 }, NOV_26_2026);
      assert.equal((await readZone(client, "file.test"))?.serial, 2026112700);

      // increment across the wrap, stored.
      await upsertZone(
        client,
        { name: "wrap.test", serial: 4294967295, serialPolicy: "increment" },
        NOV_26_2026,
      );
      await add("wrap.test", NOV_26_2026);
      assert.equal((await readZone(client, "wrap.test"))?.serial, 0);
      await add("wrap.test", NOV_26_2026 + 1);
      assert.equal((await readZone(client, "wrap.test"))?.serial, 1);

      // dateserial: a new zone starts at today's 00 and counts within the day.
      await upsertZone(client, { name: "date.test", serialPolicy: "dateserial" }, NOV_26_2026);
      assert.equal((await readZone(client, "date.test"))?.serial, 2026112600);
      await add("date.test", NOV_26_2026 + 5);
      assert.equal((await readZone(client, "date.test"))?.serial, 2026112601);
      // The policy changes with --update and applies from that write on.
      await upsertZone(client, { name: "date.test", serialPolicy: "increment" }, NOV_26_2026);
      assert.equal((await readZone(client, "date.test"))?.serial, 2026112602);
      assert.equal((await readZone(client, "date.test"))?.serialPolicy, "increment");
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
