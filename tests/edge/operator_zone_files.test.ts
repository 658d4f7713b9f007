/**
 * Zone files over the operator API (issue 11 item 3): import a master file
 * (merge or `replace=true`), export it back byte for byte, and the refusals a
 * hostile or careless caller meets: `$INCLUDE` (never reads the edge's disk),
 * CNAME beside data and at the apex (naming the line), an oversized body, a
 * bad policy, and no token. A udp-node on the same database serves the import.
 */
import assert from "node:assert/strict";
import { dig } from "../_support/dig.ts";
import { startEdge } from "../_support/edge_process.ts";
import { freshDatabase, startNodeProcess, waitFor } from "../_support/node_process.ts";
import { asOperator, BASE_ENV, jsonInit } from "./_targets.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test({
  name: "operator API: zone import/export round trip, refusals name the line, $INCLUDE refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await freshDatabase();
    const edge = await startEdge({
      runtime: "deno",
      env: { ...BASE_ENV, DMP_DB_URL: db.url, DMP_DOMAIN: "files.test" },
    });
    const node = await startNodeProcess({ dbUrl: db.url, dir: db.dir });
    const post = async (path: string, body: string, auth = true) => {
      const init: RequestInit = {
        method: "POST",
        body,
        headers: { "content-type": "text/plain" },
      };
      const r = await fetch(`${edge.url}${path}`, auth ? asOperator(init) : init);
      return { status: r.status, body: await r.json() };
    };
    try {
      const zoneText = await Deno.readTextFile(`${ROOT}tests/testdata/oracle.test.zone`);
      const imported = await post("/v1/admin/zones/oracle.test/import", zoneText);
      assert.equal(imported.status, 200, JSON.stringify(imported.body));
      assert.equal(imported.body.serial, 2026112601);
      assert.equal(imported.body.deleted, 0);
      const served = await waitFor(async () => {
        const d = await dig(node.dnsPort, "oracle.test", "SOA");
        return d.answer.some((r) => r.type === "SOA" && r.data.includes(" 2026112601 "));
      }, 10000);
      assert.ok(served, "the node serves the file's serial");

      const exported = await fetch(
        `${edge.url}/v1/admin/zones/oracle.test/export`,
        asOperator(),
      );
      assert.equal(exported.status, 200);
      assert.match(exported.headers.get("content-type") ?? "", /^text\/plain/);
      const file = await exported.text();
      // Re-imported with replace: nothing differs, nothing is written, the serial stays.
      const again = await post("/v1/admin/zones/oracle.test/import?replace=true", file);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.deepEqual(
        [again.body.written, again.body.deleted, again.body.serial],
        [0, 0, 2026112601],
      );
      // Into another zone name via a fresh import, then exported: the same bytes.
      const copy = await post(
        "/v1/admin/zones/copy.test/import",
        file.replaceAll("oracle.test.", "copy.test."),
      );
      assert.equal(copy.status, 200, JSON.stringify(copy.body));
      const copied =
        await (await fetch(`${edge.url}/v1/admin/zones/copy.test/export`, asOperator()))
          .text();
      assert.equal(
        copied,
        file.replaceAll("oracle.test.", "copy.test.").replace(
          "; zone oracle.test,",
          "; zone copy.test,",
        ),
      );

      const before = file;
      const refusals: [string, string, number, RegExp][] = [
        ["", "$INCLUDE /etc/passwd\n", 400, /^body: Cannot parse line 1: \$INCLUDE is not allowed/],
        [
          "",
          "$ORIGIN oracle.test.\n@ 60 CNAME x.example.\n",
          400,
          /line 2: a CNAME at the zone apex/,
        ],
        [
          "?replace=true",
          "$ORIGIN oracle.test.\n@ 60 NS ns1\nq 60 A 192.0.2.1\nq 60 CNAME www\n",
          400,
          /^body: line 4: q\.oracle\.test has a CNAME and other data \(A on line 3\)/,
        ],
        [
          "",
          "$ORIGIN oracle.test.\nwww 60 CNAME x\n",
          400,
          /line 2: www\.oracle\.test has a CNAME/,
        ],
        ["?serial_policy=weekly", "", 400, /^serial_policy: expected increment/],
        ["?replace=yes", "", 400, /^replace: expected true or false/],
      ];
      for (const [query, body, status, message] of refusals) {
        const r = await post(`/v1/admin/zones/oracle.test/import${query}`, body);
        assert.equal(r.status, status, body);
        assert.match(r.body.error, message);
      }
      const big = await post("/v1/admin/zones/oracle.test/import", "; x\n".repeat(4_500_000));
      assert.equal(big.status, 413);
      assert.match(big.body.error, /^body: the master file exceeds/);
      // $GENERATE lines cannot make the edge hold millions of records from a small body.
      const generated = await post(
        "/v1/admin/zones/oracle.test/import",
        "$GENERATE 0-60000 g$ A 192.0.2.1\n".repeat(10),
      );
      assert.equal(generated.status, 400);
      assert.match(generated.body.error, /^body: Cannot parse line 9: more than 500000 records/);
      const anonymous = await post("/v1/admin/zones/oracle.test/import", "", false);
      assert.equal(anonymous.status, 401);
      // None of the refusals changed the zone.
      const after =
        await (await fetch(`${edge.url}/v1/admin/zones/oracle.test/export`, asOperator()))
          .text();
      assert.equal(after, before);

      // serial_policy on the zones route is stored and listed.
      const set = await fetch(
        `${edge.url}/v1/admin/zones`,
        asOperator(jsonInit("POST", { name: "pol.test", serial_policy: "increment" })),
      );
      assert.equal(set.status, 201);
      const bad = await fetch(
        `${edge.url}/v1/admin/zones`,
        asOperator(jsonInit("POST", { name: "pol.test", serial_policy: "hourly" })),
      );
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error, /^serial_policy: /);
      const exportedPol =
        await (await fetch(`${edge.url}/v1/admin/zones/pol.test/export`, asOperator()))
          .text();
      assert.match(exportedPol, /serial policy increment/);
      assert.match(exportedPol, /^pol\.test\.\t60\tIN\tSOA\t.* 1 3600 600 604800 60$/m);
    } finally {
      await node.stop();
      await edge.stop();
      await Deno.remove(db.dir, { recursive: true });
    }
  },
});
