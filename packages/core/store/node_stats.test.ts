import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import {
  MAX_NODE_STATS_NODES,
  NODE_STATS_BUCKET_SECONDS,
  NODE_STATS_BUCKETS,
  type NodeStatsSample,
  readNodeStats,
  writeNodeStats,
  ZERO_NODE_STATS_COUNTERS,
} from "./node_stats.ts";

const T0 = 1_800_000_000; // a minute boundary (divisible by 60)

function sample(node: string, at: number, noerror = 0, startedAt = T0 - 100): NodeStatsSample {
  return {
    node,
    version: "dmp-edge-test",
    at,
    startedAt,
    intervalSeconds: 5,
    counters: { ...ZERO_NODE_STATS_COUNTERS, noerror },
    journalSeq: 7,
    lastSyncAt: at - 1,
  };
}

async function count(
  client: { execute(s: string): Promise<{ rows: ArrayLike<Record<string, unknown>> }> },
) {
  return Number((await client.execute("SELECT COUNT(*) AS n FROM node_stats")).rows[0].n);
}

Deno.test({
  name: "writeNodeStats() keeps one row per node per minute, the newest write wins",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      for (let i = 0; i < 12; i++) await writeNodeStats(client, sample("ns1:53", T0 + i * 5, i));
      assert.equal(await count(client), 1);
      await writeNodeStats(client, sample("ns1:53", T0 + 60, 100));
      const rows = await readNodeStats(client, T0 + 61);
      assert.deepEqual(rows.map((r) => [r.bucket, r.counters.noerror, r.at]), [
        [T0 / 60, 11, T0 + 55],
        [T0 / 60 + 1, 100, T0 + 60],
      ]);
      assert.equal(rows[0].journalSeq, 7);
      assert.equal(rows[0].lastSyncAt, T0 + 54);
      assert.equal(rows[0].version, "dmp-edge-test");
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name: "writeNodeStats() deletes every node's rows older than the hour in the same write",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      // The primary's clock judges other nodes' rows: the test writes around the real time.
      const nowMinute = Math.floor(Date.now() / 1000 / 60);
      const base = (nowMinute - 119) * NODE_STATS_BUCKET_SECONDS;
      // Two hours of one row a minute from a node, and a node that went silent two hours ago.
      await writeNodeStats(client, sample("gone", base, 0, base - 100));
      for (let m = 0; m < 120; m++) {
        await writeNodeStats(client, sample("ns1", base + m * 60, 0, base - 100));
      }
      const rows = await readNodeStats(client, base + 119 * 60);
      assert.ok(rows.every((r) => r.node === "ns1"), "the silent node's row is gone");
      // Retained: the current minute and the NODE_STATS_BUCKETS before it (one may have
      // gone if the minute turned during the test).
      assert.ok(rows.length === NODE_STATS_BUCKETS + 1 || rows.length === NODE_STATS_BUCKETS);
      assert.equal(await count(client), rows.length);
      assert.equal(rows.at(-1)!.bucket, nowMinute);
      assert.ok(rows[0].bucket >= nowMinute - NODE_STATS_BUCKETS);
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name:
    "writeNodeStats(): a node whose clock runs ahead keeps an hour of its rows, deletes no other's",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      const now = Math.floor(Date.now() / 1000);
      await writeNodeStats(client, sample("right", now, 0, now - 100));
      // A clock a year ahead writes three hours of rows.
      const ahead = now + 365 * 86400;
      for (let m = 0; m < 180; m++) {
        await writeNodeStats(client, sample("ahead", ahead + m * 60, 0, ahead - 100));
      }
      const rows = await client.execute(
        "SELECT node, COUNT(*) AS n FROM node_stats GROUP BY node ORDER BY node",
      );
      assert.deepEqual(
        Array.from(rows.rows, (r) => [r.node, Number(r.n)]),
        [["ahead", NODE_STATS_BUCKETS + 1], ["right", 1]],
      );
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name: "writeNodeStats() writes no new node past the cap, while known nodes go on",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      const stmts = [];
      for (let i = 0; i < MAX_NODE_STATS_NODES; i++) {
        stmts.push({
          sql: `INSERT INTO node_stats SELECT 'n${i}', bucket, at, started_at, interval_s, version,
                q_noerror, q_nodata, q_nxdomain, q_refused, q_servfail, q_other, q_dropped, q_rrl,
                updates_ok, updates_refused, transfers, journal_seq, last_sync_at FROM node_stats WHERE node = 'seed'`,
        });
      }
      await writeNodeStats(client, sample("seed", T0));
      // Fill to the cap with copies of the seed row under other names.
      await client.batch(stmts.slice(0, MAX_NODE_STATS_NODES - 1), "write");
      assert.equal(await count(client), MAX_NODE_STATS_NODES);
      assert.equal(await writeNodeStats(client, sample("newcomer", T0 + 5)), false);
      assert.equal(await count(client), MAX_NODE_STATS_NODES);
      assert.equal(await writeNodeStats(client, sample("seed", T0 + 65, 3)), true);
      assert.equal(await count(client), MAX_NODE_STATS_NODES + 1);
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name: "writeNodeStats() refuses bad samples with the field named and writes nothing",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      const bad: [Partial<NodeStatsSample>, RegExp][] = [
        [{ node: "" }, /^RangeError: Cannot write node stats: node:/],
        [{ node: "x".repeat(65) }, /node:/],
        [{ node: "a b" }, /node:/],
        [{ node: "-lead" }, /node:/],
        [{ version: "v".repeat(33) }, /version:/],
        [{ at: Number.NaN }, /at:/],
        [{ startedAt: T0 + 10 }, /startedAt:/],
        [{ intervalSeconds: 0 }, /intervalSeconds:/],
        [{ counters: { ...ZERO_NODE_STATS_COUNTERS, nxdomain: -1 } }, /counters\.nxdomain:/],
        [{ counters: { ...ZERO_NODE_STATS_COUNTERS, transfers: 2 ** 53 } }, /counters\.transfers:/],
        [{ counters: { ...ZERO_NODE_STATS_COUNTERS, refused: 1.5 } }, /counters\.refused:/],
        [{ journalSeq: -1 }, /journalSeq:/],
        [{ lastSyncAt: Infinity }, /lastSyncAt:/],
      ];
      for (const [change, message] of bad) {
        await assert.rejects(
          writeNodeStats(client, { ...sample("ns1", T0), ...change }),
          (e: Error) => message.test(String(e)),
          JSON.stringify(change),
        );
      }
      assert.equal(await count(client), 0);
    } finally {
      client.close();
    }
  },
});
