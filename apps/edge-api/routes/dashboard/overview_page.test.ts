/**
 * The overview page through `app.request()` on a real libSQL file database:
 * a node's stats rows become its card (rates, lag, sparklines), the edge's
 * request rates are listed, `?refresh=` takes only the offered periods, and
 * a hostile row (a node name written straight into the table, past the
 * writer's checks) is shown as text, never as markup.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../../../packages/core/config/env.ts";
import { createLogger } from "../../../../packages/core/log/logger.ts";
import { MetricsRegistry } from "../../../../packages/core/metrics/catalog.ts";
import {
  writeNodeStats,
  ZERO_NODE_STATS_COUNTERS,
} from "../../../../packages/core/store/node_stats.ts";
import { freshDatabase } from "../../../../tests/_support/node_process.ts";
import { createApp } from "../../app.ts";

const TOKEN = "overview-test-operator-token";
const BASE = "http://edge.test";
const T0 = 1_800_000_000;

Deno.test({
  name: "the overview shows each node's rates, lag and sparklines, and escapes what rows hold",
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    try {
      const app = createApp({
        client: db.client,
        config: loadConfig({ DMP_OPERATOR_TOKEN: TOKEN, DMP_LOG_LEVEL: "ERROR" }),
        clock: () => (T0 + 125) * 1000,
        logger: createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} }),
        metrics: new MetricsRegistry(),
      });
      const base = {
        node: "ns-a:53",
        version: "v9",
        startedAt: T0 - 10,
        intervalSeconds: 5,
        journalSeq: 0,
        lastSyncAt: T0 + 118,
      };
      await writeNodeStats(db.client, {
        ...base,
        at: T0 + 60,
        counters: { ...ZERO_NODE_STATS_COUNTERS, noerror: 10 },
      });
      await writeNodeStats(db.client, {
        ...base,
        at: T0 + 120,
        counters: { ...ZERO_NODE_STATS_COUNTERS, noerror: 130, refused: 30, updatesRefused: 6 },
      });
      // A row no node could write (the writer refuses the name): written in SQL directly.
      await db.client.execute(
        `INSERT INTO node_stats SELECT '<img src=x onerror=alert(1)>', bucket, at, started_at,
           interval_s, '<b>v</b>', q_noerror, q_nodata, q_nxdomain, q_refused, q_servfail,
           q_other, q_dropped, q_rrl, updates_ok, updates_refused, transfers, journal_seq,
           last_sync_at FROM node_stats WHERE node = 'ns-a:53'`,
      );

      const signIn = await app.request(`${BASE}/admin/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
        body: new URLSearchParams({ token: TOKEN }).toString(),
      });
      assert.equal(signIn.status, 303);
      const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
      const get = (path: string) => app.request(`${BASE}${path}`, { headers: { cookie } });

      const r = await get("/admin/overview");
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-security-policy") ?? "", /script-src 'none'/);
      const html = await r.text();
      const card = /<section class="node" data-node="ns-a:53".*?<\/section>/s.exec(html)?.[0];
      assert.ok(card, "a card for the node");
      // (130 + 30 − 10) queries over the 60 s between the rows
      assert.match(card, /<dd data-figure="qps">2.5<\/dd>/);
      assert.match(card, /<li data-outcome="REFUSED">REFUSED 0.5<\/li>/);
      assert.match(card, /<dd data-figure="queries-total">160<\/dd>/);
      assert.match(card, /<dd data-figure="updates">0 \/ 0.1<\/dd>/);
      assert.match(card, /<dd data-figure="sync">7 s ago<\/dd>/);
      assert.match(card, /class="fresh"/);
      assert.match(
        card,
        /<svg class="spark"[^>]*aria-label="Queries per second over the last hour: peak 2.5 q\/s/,
      );
      // the sign-in post and this page
      assert.match(html, /<tr data-class="dashboard"><th scope="row">dashboard<\/th><td>2<\/td>/);
      // Hostile text from the table is text.
      assert.doesNotMatch(html, /<img src=x|<b>v<\/b>/);
      assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
      assert.doesNotMatch(html, /<script/);
      // No meta refresh unless asked for, and only with an offered period.
      assert.doesNotMatch(html, /http-equiv/);
      assert.match(
        await (await get("/admin/overview?refresh=10")).text(),
        /<meta http-equiv="refresh" content="10"\/?>/,
      );
      for (const bad of ["7", "10;url=https://evil.test", "0", "-5", "1e9"]) {
        const page = await (await get(`/admin/overview?refresh=${encodeURIComponent(bad)}`)).text();
        assert.doesNotMatch(page, /http-equiv/, bad);
      }
    } finally {
      db.client.close();
    }
  },
});
