/** The node listens on IPv6 too (UDP and TCP on ::1). */
import assert from "node:assert/strict";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { parseDig, run } from "../_support/dig.ts";
import { freshDatabase, startNodeProcess } from "../_support/node_process.ts";

Deno.test({
  name: "UDP and TCP answers on ::1",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    await upsertZone(db.client, { name: "v6.test", apexAaaa: ["2001:db8::6"] }, Date.now() / 1000);
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_DNS_HOST: "::1" },
    });
    try {
      for (const extra of [[], ["+tcp"]]) {
        const r = await run("dig", [
          "@::1",
          "-p",
          String(node.dnsPort),
          "v6.test",
          "AAAA",
          "+norec",
          "+tries=3", // one try flaked under load (see _support/dig.ts)
          ...extra,
        ]);
        const d = parseDig(r.stdout);
        assert.equal(d.status, "NOERROR", r.stdout);
        assert.equal(d.answer[0]?.data, "2001:db8::6");
      }
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});
