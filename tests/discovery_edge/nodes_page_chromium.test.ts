/**
 * `/nodes` in a real browser (issue 6): the edge on Node serves the page
 * from a store holding three nodes (one heard two hours ago) and their seen
 * edges; headless Debian Chromium, driven by playwright-core, checks the
 * rows, the fresh/stale marks, the graph, that the inline script and style
 * run under the page's CSP, and that typing in the filter box hides the rows
 * that do not match. A screenshot is saved to `test-artifacts/nodes.png`.
 */
import assert from "node:assert/strict";
import { parseHeartbeatWire } from "../../packages/core/dmp/heartbeat_record.ts";
import { storeHeartbeats } from "../../packages/core/store/heartbeats_seen.ts";
import { launchChromium, shoot } from "../_support/chromium.ts";
import { freshDatabase } from "../_support/node_process.ts";
import { startProcess } from "../_support/edge_process.ts";
import { heartbeatWire, newOperator } from "./_fixtures.ts";

Deno.test({
  name: "/nodes renders every node, the seen graph, and the filter box hides non-matching rows",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    const now = Math.floor(Date.now() / 1000);
    const ops = await Promise.all(["alpha", "bravo", "charlie"].map(async (name, i) => {
      const op = await newOperator();
      const wire = await heartbeatWire(op, {
        endpoint: `https://${name}.example`,
        zone: `${name}.mesh.test`,
        ts: i === 2 ? now - 7200 : now - 60 * (i + 1),
        version: `0.${i + 1}.0`,
      });
      const r = await parseHeartbeatWire(wire, { now, tsSkewSeconds: 86400 });
      assert.ok(r.ok);
      return { name, spk: op.spkHex, record: r.record };
    }));
    await storeHeartbeats(db.client, {
      entries: ops.map((o, i) => ({
        heartbeat: o.record,
        via: i === 0 ? [] : ["alpha.mesh.test"],
      })),
      edges: [
        { fromSpk: ops[0].spk, toSpk: ops[1].spk, lastSeenTs: now - 60 },
        { fromSpk: ops[0].spk, toSpk: ops[2].spk, lastSeenTs: now - 60 },
        { fromSpk: ops[1].spk, toSpk: ops[2].spk, lastSeenTs: now - 60 },
      ],
      now,
    });
    db.client.close();
    const edge = await startProcess("node", {
      DMP_DB_URL: db.url,
      DMP_DIRECTORY_ENABLED: "1",
      DMP_LOG_LEVEL: "ERROR",
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const cspErrors: string[] = [];
      page.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
      });
      const res = await page.goto(`${edge.url}/nodes`);
      assert.equal(res?.status(), 200);
      assert.match(res?.headers()["cache-control"] ?? "", /max-age=60/);
      assert.match(res?.headers()["content-security-policy"] ?? "", /default-src 'none'/);
      assert.equal(await page.title(), "DMP node directory");

      const rows = page.locator("#nodes tbody tr");
      assert.equal(await rows.count(), 3);
      // Newest first; operator keys shown as first8…last4.
      const first = await rows.nth(0).locator("td").allInnerTexts();
      assert.equal(first[0], "https://alpha.example");
      assert.equal(first[1], `${ops[0].spk.slice(0, 8)}…${ops[0].spk.slice(-4)}`);
      assert.deepEqual(first.slice(2, 5), ["0.1.0", "alpha.mesh.test", "claim-provider"]);
      assert.match(first[5], /^1m ago$/);
      assert.equal(first[6], "direct");
      assert.equal(await page.locator("#nodes tbody td.fresh").count(), 2);
      const stale = page.locator("#nodes tbody td.stale");
      assert.equal(await stale.count(), 1);
      assert.equal(await stale.innerText(), "2h ago");
      // The inline style applied (CSP hash matches): fresh is green.
      const color = await page.evaluate(
        "getComputedStyle(document.querySelector('#nodes tbody td.fresh')).color",
      );
      assert.equal(color, "rgb(17, 99, 41)");

      assert.equal(await page.locator("#graph g.node").count(), 3);
      assert.equal(await page.locator("#graph line.edge").count(), 3);

      await page.locator("#filter").fill("bravo");
      const visible = () => page.locator("#nodes tbody tr:visible");
      assert.equal(await visible().count(), 1);
      assert.equal(await visible().locator("td").first().innerText(), "https://bravo.example");
      assert.equal(await page.locator("#shown").innerText(), "1");
      // Matches on the zone column and the key too.
      await page.locator("#filter").fill("charlie.mesh");
      assert.equal(await visible().count(), 1);
      await page.locator("#filter").fill(ops[2].spk.slice(10, 30).toUpperCase());
      assert.equal(await visible().count(), 1);
      await page.locator("#filter").fill("no-such-node");
      assert.equal(await visible().count(), 0);
      assert.equal(await page.locator("#shown").innerText(), "0");
      await page.locator("#filter").fill("");
      assert.equal(await visible().count(), 3);
      assert.deepEqual(cspErrors, []);

      await shoot(browser, page, "nodes");
    } finally {
      await browser.close();
      await edge.stop();
    }
  },
});
