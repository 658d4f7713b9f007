import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { RESIGN_PERIOD } from "../dnssec/signed_zone.ts";
import { readZone, upsertZone } from "./zones.ts";
import { resignPeriodStart, resignSerial } from "./zone_resign.ts";

Deno.test({
  name: "resignSerial() moves a serial unchanged since the period began, once per period",
  sanitizeResources: false,
  fn: async () => {
    const { dir, client } = await freshDatabase();
    try {
      const start = resignPeriodStart(1_800_000_000) + 100;
      await upsertZone(client, { name: "s.test", serialPolicy: "increment", serial: 7 }, start);
      await upsertZone(client, { name: "other.test" }, start);
      const otherSerial = (await readZone(client, "other.test"))!.serial;
      // Changed in this period: nothing to do.
      assert.equal(await resignSerial(client, "s.test", start + 3600), false);
      assert.equal((await readZone(client, "s.test"))!.serial, 7);
      // A period later, unchanged since: the serial moves (by the zone's policy) and is journaled.
      const later = start + RESIGN_PERIOD;
      assert.equal(await resignSerial(client, "s.test", later), true);
      assert.equal((await readZone(client, "s.test"))!.serial, 8);
      const j = await client.execute(
        "SELECT ts, zone, name FROM journal ORDER BY seq DESC LIMIT 1",
      );
      assert.deepEqual([j.rows[0].ts, j.rows[0].zone, j.rows[0].name].map(String), [
        String(later),
        "s.test",
        "s.test",
      ]);
      // Twice in one period (two nodes, or a retry) moves it once.
      assert.equal(await resignSerial(client, "s.test", later + 60), false);
      assert.equal((await readZone(client, "s.test"))!.serial, 8);
      // Other zones are untouched; a zone that does not exist is not created.
      assert.equal((await readZone(client, "other.test"))!.serial, otherSerial);
      assert.equal(await resignSerial(client, "none.test", later), false);
      assert.equal(await readZone(client, "none.test"), undefined);
    } finally {
      client.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
