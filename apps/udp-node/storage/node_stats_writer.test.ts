/**
 * The stats row writer against a real `file:` database in a real storage
 * worker: the node's metrics become the row's counters (NODATA apart from
 * NOERROR, the never-answered outcomes as dropped, everything else as
 * other), failing writes are logged once and their recovery once, and a
 * write in flight is not doubled.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../../packages/core/config/env.ts";
import { createLogger } from "../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../packages/core/metrics/catalog.ts";
import { MIGRATION_0011 } from "../../../packages/core/store/migrations/0011_node_stats.ts";
import { readNodeStats } from "../../../packages/core/store/node_stats.ts";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { countersFromMetrics, NodeStatsWriter } from "./node_stats_writer.ts";
import { StorageClient } from "./storage_client.ts";

Deno.test("countersFromMetrics() maps the node's metrics to the row's counters", () => {
  const m = new MetricsRegistry();
  const q = (outcome: string, n: number) => m.inc("dmp_dns_queries_total", { outcome }, n);
  q("noerror", 10);
  m.inc("dmp_dns_nodata_total", {}, 3);
  q("nxdomain", 4);
  q("refused", 5);
  q("servfail", 1);
  q("rate_limited", 2);
  q("overloaded", 1);
  q("malformed", 1);
  q("formerr", 6);
  q("tsig_failed", 1);
  m.inc("dmp_dns_rrl_responses_total", { action: "drop", class: "positive" }, 2);
  m.inc("dmp_dns_rrl_responses_total", { action: "slip", class: "nxdomain" }, 1);
  m.inc("dmp_dns_updates_total", { result: "noerror" }, 7);
  m.inc("dmp_dns_updates_total", { result: "refused" }, 2);
  m.inc("dmp_dns_updates_total", { result: "notauth" }, 1);
  m.inc("dmp_zone_transfers_total", { kind: "axfr" }, 2);
  m.inc("dmp_zone_transfers_total", { kind: "soa" }, 1);
  assert.deepEqual(countersFromMetrics(m), {
    noerror: 7,
    nodata: 3,
    nxdomain: 4,
    refused: 5,
    servfail: 1,
    other: 7,
    dropped: 4,
    rrl: 3,
    updatesOk: 7,
    updatesRefused: 3,
    transfers: 3,
  });
});

Deno.test({
  name:
    "NodeStatsWriter logs failing writes once and their recovery once, and never doubles a write",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const db = await freshDatabase();
    db.client.close();
    const storage = await StorageClient.open(loadConfig({ DMP_DB_URL: db.url }));
    const lines: string[] = [];
    const metrics = new MetricsRegistry();
    let seq = 4;
    const writer = new NodeStatsWriter({
      writer: storage.writer,
      metrics,
      logger: createLogger({
        name: "t",
        level: "INFO",
        format: "text",
        sink: (l) => lines.push(l),
      }),
      node: "unit-node",
      version: "v1",
      intervalSeconds: 5,
      journalSeq: () => seq,
      lastSyncAt: () => 1234,
    });
    try {
      metrics.inc("dmp_dns_queries_total", { outcome: "nxdomain" }, 9);
      assert.equal(await writer.tick(), true);
      let rows = await readNodeStats(storage.reader, Date.now() / 1000);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].counters.nxdomain, 9);
      assert.equal(rows[0].journalSeq, 4);
      assert.equal(rows[0].lastSyncAt, 1234);

      // The table goes away (as on a primary the node cannot write to): false, one line.
      await storage.writer.execute("DROP TABLE node_stats");
      for (let i = 0; i < 4; i++) assert.equal(await writer.tick(), false);
      assert.equal(lines.filter((l) => /cannot be written/.test(l)).length, 1, lines.join("\n"));
      assert.match(lines[0], /WARNING .*no such table: node_stats/);

      // Back: written again, said once.
      await storage.writer.batch(MIGRATION_0011.map((sql) => ({ sql })), "write");
      seq = 6;
      assert.equal(await writer.tick(), true);
      assert.equal(await writer.tick(), true);
      assert.equal(lines.filter((l) => /written again/.test(l)).length, 1, lines.join("\n"));
      rows = await readNodeStats(storage.reader, Date.now() / 1000);
      assert.equal(rows[0].journalSeq, 6);

      // Two ticks at once are one write.
      const a = writer.tick();
      const b = writer.tick();
      assert.equal(a, b);
      await a;
    } finally {
      await writer.stop();
      await storage.close();
    }
  },
});
