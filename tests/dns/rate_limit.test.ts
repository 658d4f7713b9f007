/**
 * Per-source rate limiting (brief §1.8): a UDP flood beyond DMP_DNS_RATE /
 * DMP_DNS_BURST is dropped and counted; TCP keeps its own bucket.
 */
import assert from "node:assert/strict";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { TYPE } from "../../packages/core/wire/constants.ts";
import { dig } from "../_support/dig.ts";
import { freshDatabase, startNodeProcess } from "../_support/node_process.ts";
import { buildQuery, udpBurst } from "../_support/raw_dns.ts";

Deno.test({
  name: "a UDP flood past the burst is dropped; TCP and other buckets still answer",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    await upsertZone(db.client, { name: "rl.test" }, Date.now() / 1000);
    const node = await startNodeProcess({
      dbUrl: db.url,
      dir: db.dir,
      env: { DMP_DNS_RATE: "1", DMP_DNS_BURST: "5" },
    });
    try {
      // All 30 at once, replies collected for seconds: the verdict depends on
      // the bucket, not on whether an answer beat a 100 ms window under load.
      const queries = Array.from({ length: 30 }, (_, i) => buildQuery("rl.test", TYPE.SOA, i));
      const replies = await udpBurst(node.dnsPort, queries, 3000);
      const answered = new Set(replies.map((r) => (r[0] << 8) | r[1])).size;
      assert.ok(answered >= 5 && answered <= 8, `answered ${answered} of 30`);
      const tcp = await dig(node.dnsPort, "rl.test", "SOA", ["+tcp"]);
      assert.equal(tcp.status, "NOERROR", "TCP has its own bucket (a TC=1 retry is not starved)");
      const m = await (await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).text();
      const limited = Number(/outcome="rate_limited"\} ([\d.]+)/.exec(m)?.[1] ?? 0);
      assert.ok(limited >= 20, `rate_limited ${limited}`);
    } finally {
      await node.stop();
      db.client.close();
    }
  },
});
