/**
 * The node's stats row (issue 14) from a real udp-node (on Node and on Deno)
 * on an embedded replica of a real sqld: the queries dig sends show up in
 * the row the node writes to the primary, by outcome (NOERROR, NODATA,
 * NXDOMAIN, REFUSED), an unsigned UPDATE as refused, with its journal
 * position and last sync; when the primary goes
 * away the node goes on answering and logs the failed writes once (not once
 * per interval), and writes again when the primary is back.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { migrate } from "../../packages/core/store/migrate.ts";
import { type NodeStatsRow, readNodeStats } from "../../packages/core/store/node_stats.ts";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { dig } from "../_support/dig.ts";
import { nsupdate } from "../_support/nsupdate.ts";
import { replicaNodeOptions, startNodeProcess, waitFor } from "../_support/node_process.ts";
import { startSqld } from "../_support/sqld.ts";

const ZONE = "stats.test";
const NAME = "stats-node-a";
const now = () => Date.now() / 1000;

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

async function run(runtime: "node" | "deno"): Promise<void> {
  {
    const sqld = await startSqld();
    const remote = createClient({ url: sqld.url });
    const dir = await Deno.makeTempDir({ prefix: "dmp-replica-" });
    let node;
    try {
      await migrate(remote);
      await upsertZone(remote, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
      await applyRecordChanges(remote, [
        { op: "add", zone: ZONE, name: `www.${ZONE}`, type: "A", value: "192.0.2.7", ttl: 60 },
      ], { now: now() });
      node = await startNodeProcess({
        ...replicaNodeOptions(sqld, dir, {
          DMP_NODE_STATS_INTERVAL: "1",
          DMP_NODE_STATS_NAME: NAME,
          DMP_HEARTBEAT_VERSION: "stats-test-1",
          DMP_DNS_UPDATE_ENABLED: "1",
        }),
        runtime,
      });
      const port = node.dnsPort;
      assert.ok(
        await waitFor(async () => (await dig(port, `www.${ZONE}`, "A")).answer.length === 1, 10000),
        "the zone is answered",
      );
      for (let i = 0; i < 3; i++) {
        assert.equal((await dig(port, `nope${i}.${ZONE}`, "A")).status, "NXDOMAIN");
      }
      for (let i = 0; i < 2; i++) {
        const r = await dig(port, `www.${ZONE}`, "TXT");
        assert.equal(r.status, "NOERROR");
        assert.equal(r.answer.length, 0);
      }
      for (let i = 0; i < 4; i++) {
        assert.equal((await dig(port, "example.org", "A")).status, "REFUSED");
      }
      const unsigned = await nsupdate(port, ZONE, [`update add x.${ZONE} 60 A 192.0.2.9`]);
      assert.equal(unsigned.error, "REFUSED", unsigned.output);

      let row: NodeStatsRow | undefined;
      const seen = await waitFor(async () => {
        const rows = (await readNodeStats(remote, now())).filter((r) => r.node === NAME);
        row = rows.at(-1);
        const c = row?.counters;
        return c !== undefined && c.nxdomain === 3 && c.nodata === 2 && c.updatesRefused === 1;
      }, 10000);
      assert.ok(seen, `the row counts the queries: ${JSON.stringify(row)}\n${node.logs()}`);
      assert.ok(row!.counters.noerror >= 1, "the answered A queries count as NOERROR");
      // the UPDATE's REFUSED is a DNS message too: 4 queries + 1 UPDATE
      assert.equal(row!.counters.refused, 5);
      assert.equal(row!.counters.updatesOk, 0);
      assert.equal(row!.counters.dropped, 0);
      assert.equal(row!.version, "stats-test-1");
      assert.equal(row!.intervalSeconds, 1);
      assert.ok(row!.journalSeq > 0, "the journal position of the node's index");
      assert.ok(row!.lastSyncAt !== null && now() - row!.lastSyncAt < 10, "a recent sync");
      assert.ok(now() - row!.at < 10 && row!.startedAt <= row!.at);

      // The primary goes away: answers go on, the failing writes are logged once.
      await sqld.stop();
      const awayAt = now();
      for (let i = 0; i < 5; i++) {
        assert.equal((await dig(port, `www.${ZONE}`, "A")).answer.length, 1);
        await new Promise((r) => setTimeout(r, 1000));
      }
      const failLine = "node stats cannot be written";
      assert.ok(
        await waitFor(() => count(node!.logs(), failLine) >= 1, 10000),
        `the failure is logged:\n${node.logs()}`,
      );
      // Several more intervals pass without a second line.
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(count(node.logs(), failLine), 1, node.logs());

      await sqld.start();
      assert.ok(
        await waitFor(() => /node stats are written again/.test(node!.logs()), 20000),
        `writes resume:\n${node.logs()}`,
      );
      const after = (await readNodeStats(remote, now())).filter((r) => r.node === NAME).at(-1)!;
      assert.ok(after.at > awayAt, "a row written after the primary came back");
      assert.ok(after.counters.noerror >= row!.counters.noerror + 5, "the counters went on");
    } finally {
      await node?.stop();
      remote.close();
      await sqld.stop();
    }
  }
}

for (const runtime of ["node", "deno"] as const) {
  Deno.test({
    name:
      `a node on ${runtime} writes its counters, journal position and last sync; a primary away is logged once`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => run(runtime),
  });
}
