import assert from "node:assert/strict";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import {
  listQueryLog,
  listQueryLogNodes,
  QUERY_LOG_NAME_MAX,
  queryLogAppendStatements,
  type QueryLogSample,
} from "./query_log.ts";

function samples(from: number, n: number): QueryLogSample[] {
  return Array.from({ length: n }, (_, i) => ({
    tsMs: 1_700_000_000_000 + from + i,
    name: `q${from + i}.example`,
    qtype: 16,
    outcome: "noerror",
    rcode: 0,
    latencyUs: 30,
    transport: "udp",
    client: "192.0.2.0/24",
  }));
}

Deno.test({
  name: "each node keeps its newest rows only, pruned in the write that appends",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      // 450 rows (three INSERTs of up to 200) then 300 more for node a; 5 for node b.
      await client.batch(queryLogAppendStatements("a:53", samples(0, 450), 500), "write");
      await client.batch(queryLogAppendStatements("b:53", samples(0, 5), 500), "write");
      await client.batch(queryLogAppendStatements("a:53", samples(450, 300), 500), "write");
      const nodes = await listQueryLogNodes(client);
      assert.deepEqual(nodes.map((n) => [n.node, n.rows]), [["a:53", 500], ["b:53", 5]]);
      const newest = await listQueryLog(client, { node: "a:53", limit: 10_000 });
      assert.equal(newest.length, 500);
      assert.equal(newest[0].name, "q749.example");
      assert.equal(newest.at(-1)!.name, "q250.example");
      // Pages: before_id walks back; after_id walks forward, oldest first.
      const page = await listQueryLog(client, { limit: 3, beforeId: newest[0].id });
      assert.ok(page.every((r) => r.id < newest[0].id));
      const after = await listQueryLog(client, { afterId: newest[3].id, limit: 100 });
      assert.deepEqual(after.map((r) => r.id), newest.slice(0, 3).map((r) => r.id).reverse());
      // Node b's rows were never touched by a's prune.
      assert.equal((await listQueryLog(client, { node: "b:53", limit: 100 })).length, 5);
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name: "oversized and hostile fields are capped at the write, ids are never reused",
  sanitizeResources: false,
  async fn() {
    const { client } = await freshDatabase();
    try {
      const hostile = {
        ...samples(0, 1)[0],
        name: "x".repeat(5000),
        outcome: "o".repeat(500),
        qtype: 1e9,
        latencyUs: -5,
      };
      await client.batch(queryLogAppendStatements("n:1", [hostile], 1), "write");
      const [r] = await listQueryLog(client, { limit: 5 });
      assert.equal(r.name.length, QUERY_LOG_NAME_MAX);
      assert.ok(r.name.endsWith("…"));
      assert.ok(r.outcome.length <= 64);
      assert.equal(r.qtype, 0xffff);
      assert.equal(r.latencyUs, 0);
      // keep = 1: the next append removes r, and the new row's id is above it (AUTOINCREMENT).
      await client.batch(queryLogAppendStatements("n:1", samples(1, 1), 1), "write");
      const rows = await listQueryLog(client, { limit: 5 });
      assert.equal(rows.length, 1);
      assert.ok(rows[0].id > r.id);
    } finally {
      client.close();
    }
  },
});
