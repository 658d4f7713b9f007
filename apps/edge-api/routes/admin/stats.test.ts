/**
 * `GET /v1/admin/stats/nodes` and `/v1/admin/stats/edge` through
 * `app.request()` on a real libSQL file database: the operator token is
 * required, rates come from the deltas of the rows nodes wrote, lag from the
 * journal head, and the edge counts its own requests by route class.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../../../packages/core/config/env.ts";
import { createLogger } from "../../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../../packages/core/metrics/catalog.ts";
import { listAudit } from "../../../../packages/core/store/audit.ts";
import {
  writeNodeStats,
  ZERO_NODE_STATS_COUNTERS,
} from "../../../../packages/core/store/node_stats.ts";
import { readJournalHead } from "../../../../packages/core/store/records.ts";
import { upsertZone } from "../../../../packages/core/store/zones.ts";
import { freshDatabase } from "../../../../tests/_support/node_process.ts";
import { createApp } from "../../app.ts";

const TOKEN = "stats-test-operator-token";
const BASE = "http://edge.test";
const T0 = 1_800_000_000; // a minute boundary

async function setup() {
  const db = await freshDatabase();
  let now = (T0 + 130) * 1000;
  const app = createApp({
    client: db.client,
    config: loadConfig({ DMP_OPERATOR_TOKEN: TOKEN, DMP_LOG_LEVEL: "ERROR" }),
    clock: () => now,
    logger: createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} }),
    metrics: new MetricsRegistry(),
  });
  const get = (path: string, token: string | null = TOKEN) =>
    app.request(`${BASE}${path}`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
  return { db, app, get, advance: (s: number) => now += s * 1000 };
}

Deno.test({
  name: "GET /v1/admin/stats/nodes needs the operator token and gives rates, lag and history",
  sanitizeResources: false,
  async fn() {
    const s = await setup();
    try {
      assert.equal((await s.get("/v1/admin/stats/nodes", null)).status, 401);
      assert.equal((await s.get("/v1/admin/stats/nodes", "wrong-token-of-same-size!")).status, 401);
      // No rows yet: an empty list, not an error.
      let r = await s.get("/v1/admin/stats/nodes");
      assert.equal(r.status, 200);
      assert.deepEqual((await r.json()).nodes, []);

      await upsertZone(s.db.client, { name: "stats.test", apexNs: ["ns1.stats.test"] }, T0);
      const head = await readJournalHead(s.db.client);
      assert.ok(head > 0);
      const base = {
        node: "ns1:53",
        version: "v9",
        startedAt: T0 - 10,
        intervalSeconds: 5,
        journalSeq: head - 1,
        lastSyncAt: T0 + 120,
      };
      await writeNodeStats(s.db.client, {
        ...base,
        at: T0 + 65,
        counters: { ...ZERO_NODE_STATS_COUNTERS, noerror: 100, nxdomain: 20, updatesOk: 2 },
      });
      await writeNodeStats(s.db.client, {
        ...base,
        at: T0 + 125,
        counters: {
          ...ZERO_NODE_STATS_COUNTERS,
          noerror: 400,
          nodata: 60,
          nxdomain: 80,
          updatesOk: 8,
          rrl: 6,
        },
      });
      r = await s.get("/v1/admin/stats/nodes");
      assert.equal(r.status, 200);
      const body = await r.json();
      assert.equal(body.store.journal_head, head);
      assert.equal(body.bucket_seconds, 60);
      assert.equal(body.history_starts.length, 60);
      assert.equal(body.history_starts[59], T0 + 120);
      assert.equal(body.nodes.length, 1);
      const n = body.nodes[0];
      assert.equal(n.node, "ns1:53");
      assert.equal(n.version, "v9");
      assert.equal(n.fresh, true);
      assert.equal(n.age_seconds, 5);
      assert.equal(n.journal_lag, 1);
      assert.equal(n.sync_age_seconds, 10);
      assert.equal(n.totals.noerror, 400);
      assert.equal(n.totals.updates_ok, 8);
      // (400 + 60 + 80) − (100 + 20) queries over the 60 s between the rows
      assert.equal(n.rates_per_second.queries, 7);
      assert.equal(n.rates_per_second.nodata, 1);
      assert.equal(n.rates_per_second.updates_ok, 0.1);
      assert.equal(n.rates_per_second.rrl, 0.1);
      const q = n.history.queries_per_second;
      assert.equal(q.length, 60);
      assert.equal(q[59], 7);
      assert.equal(q[58], 1.6); // the first row: 120 queries over the 75 s since the start
      assert.equal(q[57], null);

      // Three of its intervals later the node is stale; its figures stay.
      s.advance(20);
      const later = (await (await s.get("/v1/admin/stats/nodes")).json()).nodes[0];
      assert.equal(later.fresh, false);
      assert.equal(later.totals.noerror, 400);

      // Each operator request is audited, as every /v1/admin route is.
      const audit = await listAudit(s.db.client, { limit: 10 });
      assert.ok(audit.some((a) => a.event === "GET /v1/admin/stats/nodes"));
    } finally {
      s.db.client.close();
    }
  },
});

Deno.test({
  name: "GET /v1/admin/stats/edge counts this edge's requests by route class, never a new class",
  sanitizeResources: false,
  async fn() {
    const s = await setup();
    try {
      assert.equal((await s.get("/v1/admin/stats/edge", null)).status, 401);
      for (let i = 0; i < 3; i++) await s.get(`/made-up-${i}-${"x".repeat(200)}`, null);
      await s.get("/health", null);
      const r = await s.get("/v1/admin/stats/edge");
      assert.equal(r.status, 200);
      const body = await r.json();
      assert.equal(body.scope, "process");
      const by = Object.fromEntries(
        body.classes.map((c: { class: string }) => [c.class, c]),
      );
      // the made-up paths are one class; the admin API counts the refused call and this one
      assert.equal(by.other.total, 3);
      assert.equal(by.ops.total, 1);
      assert.equal(by.admin_api.total, 2);
      assert.equal(by.other.per_minute.length, 60);
      assert.equal(by.other.per_minute[59], 3);
      assert.ok(by.other.per_second > 0);
      assert.ok(body.classes.length <= 10, "a fixed set of classes");
    } finally {
      s.db.client.close();
    }
  },
});
