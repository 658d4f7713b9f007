/**
 * The re-sign ticker against a real file database: only the NOTIFY lease
 * holder moves serials, only of signed zones with a transfer policy, once
 * per period.
 */
import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { createLogger } from "../../../packages/core/log/logger.ts";
import { RESIGN_PERIOD } from "../../../packages/core/dnssec/signed_zone.ts";
import { putTransferPolicy } from "../../../packages/core/store/transfer_policy.ts";
import { readZone, upsertZone } from "../../../packages/core/store/zones.ts";
import { resignPeriodStart } from "../../../packages/core/store/zone_resign.ts";
import { ResignSerials } from "./resign_serials.ts";

Deno.test({
  name:
    "ResignSerials: the lease holder moves stale serials of signed, transferred zones once a period",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      const t0 = resignPeriodStart(1_800_000_000) + 10;
      for (const name of ["signed.test", "unsigned.test", "private.test"]) {
        await upsertZone(client, { name, serialPolicy: "increment", serial: 1 }, t0);
      }
      for (const zone of ["signed.test", "unsigned.test"]) {
        await putTransferPolicy(client, { zone, allowKeys: ["k"], allowNets: [], notify: [] }, t0);
      }
      const lines: string[] = [];
      const r = new ResignSerials({
        client,
        writer: client,
        // private.test is signed but never transferred.
        signedZones: new Set(["signed.test", "private.test"]),
        logger: createLogger({
          name: "t",
          level: "INFO",
          format: "text",
          sink: (l) => lines.push(l),
        }),
      });
      const serial = async (z: string) => (await readZone(client, z))!.serial;
      const later = t0 + RESIGN_PERIOD;
      await r.tick(later, false);
      assert.equal(await serial("signed.test"), 1, "not the lease holder: nothing moves");
      await r.tick(later, true);
      assert.equal(await serial("signed.test"), 2);
      assert.equal(await serial("unsigned.test"), 1);
      assert.equal(await serial("private.test"), 1);
      assert.equal(lines.filter((l) => l.includes("serial moved")).length, 1);
      await r.tick(later + 600, true);
      assert.equal(await serial("signed.test"), 2, "once per period");
      await r.tick(later + RESIGN_PERIOD, true);
      assert.equal(await serial("signed.test"), 3, "and again the next period");
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name: "ResignSerials: a key rollover step moves the serial once, within the period",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      const t0 = resignPeriodStart(1_800_000_000) + 10;
      await upsertZone(client, { name: "signed.test", serialPolicy: "increment", serial: 1 }, t0);
      await putTransferPolicy(
        client,
        { zone: "signed.test", allowKeys: ["k"], allowNets: [], notify: [] },
        t0,
      );
      // One key step scheduled an hour in (a new ZSK starting to sign, say).
      const step = t0 + 3600;
      const r = new ResignSerials({
        client,
        writer: client,
        signedZones: new Set(["signed.test"]),
        keyStep: (_zone, now) => (now >= step ? step : 0),
        logger: createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} }),
      });
      const serial = async () => (await readZone(client, "signed.test"))!.serial;
      await r.tick(t0 + 60, true);
      assert.equal(await serial(), 1, "changed this period, no step yet: nothing moves");
      await r.tick(step - 1, true);
      assert.equal(await serial(), 1);
      await r.tick(step + 5, true);
      assert.equal(await serial(), 2, "the step moves the serial");
      await r.tick(step + 65, true);
      assert.equal(await serial(), 2, "once per step");
    } finally {
      client.close();
    }
  },
});
