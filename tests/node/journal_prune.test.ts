/**
 * The cleanup sweep of a real udp-node on an embedded replica of a real sqld,
 * at the primary: the change journal stays bounded (DMP_JOURNAL_KEEP, the
 * newest entries kept) and the node goes on following it afterwards (a write
 * at the primary is answered); an expired record is deleted.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { migrate } from "../../packages/core/store/migrate.ts";
import { applyRecordChanges, type RecordChange } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { dig } from "../_support/dig.ts";
import { replicaNodeOptions, startNodeProcess, waitFor } from "../_support/node_process.ts";
import { startSqld } from "../_support/sqld.ts";

const ZONE = "prune.test";
const now = () => Date.now() / 1000;

Deno.test({
  name:
    "a node prunes the primary's journal to DMP_JOURNAL_KEEP, keeps following it, sweeps expired records",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sqld = await startSqld();
    const remote = createClient({ url: sqld.url });
    const dir = await Deno.makeTempDir({ prefix: "dmp-prune-" });
    let node;
    try {
      await migrate(remote);
      await upsertZone(remote, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
      const changes: RecordChange[] = [];
      for (let i = 0; i < 1200; i++) {
        changes.push({
          op: "add",
          zone: ZONE,
          name: `n${i}.${ZONE}`,
          type: "TXT",
          value: `v${i}`,
          ttl: 60,
        });
      }
      changes.push({
        op: "add",
        zone: ZONE,
        name: `gone.${ZONE}`,
        type: "TXT",
        value: "v=gone",
        ttl: 60,
        lifetime: 1,
      });
      await applyRecordChanges(remote, changes, { now: now() });
      const goneRows = async () =>
        Number(
          (await remote.execute({
            sql: "SELECT count(*) AS n FROM records WHERE name = ?",
            args: [`gone.${ZONE}`],
          })).rows[0].n,
        );
      assert.equal(await goneRows(), 1);
      const journalRows = async () =>
        Number((await remote.execute("SELECT count(*) AS n FROM journal")).rows[0].n);
      assert.ok(await journalRows() > 1200);

      node = await startNodeProcess(
        replicaNodeOptions(sqld, dir, { DMP_CLEANUP_INTERVAL: "0.3", DMP_JOURNAL_KEEP: "1000" }),
      );
      const port = node.dnsPort;
      assert.ok(await waitFor(async () => await journalRows() === 1000, 15000), "pruned to 1000");
      assert.match(node.logs(), /pruned \d+ journal entries/);
      assert.ok(await waitFor(async () => await goneRows() === 0, 15000), "expired record swept");

      await applyRecordChanges(remote, [
        { op: "add", zone: ZONE, name: `after.${ZONE}`, type: "TXT", value: "v=after", ttl: 60 },
      ], { now: now() });
      assert.ok(
        await waitFor(
          async () => (await dig(port, `after.${ZONE}`, "TXT")).answer.length === 1,
          10000,
        ),
        "a write after the pruning is answered",
      );
      assert.equal((await dig(port, `n0.${ZONE}`, "TXT")).answer.length, 1, "the zone is whole");
    } finally {
      await node?.stop();
      remote.close();
      await sqld.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
