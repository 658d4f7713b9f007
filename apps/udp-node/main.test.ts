/**
 * startNode's loading progress (issue 10): a real node on a real database of
 * many records draws "loading zones: done/total records" on a terminal-like
 * sink when loading takes over a second (the meter's clock is stepped so a
 * fast machine still crosses the second), and nothing when the sink is not a
 * terminal or when quiet.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../packages/core/config/env.ts";
import { createLogger } from "../../packages/core/log/logger.ts";
import { applyRecordChanges } from "../../packages/core/store/records.ts";
import { upsertZone } from "../../packages/core/store/zones.ts";
import { freshDatabase } from "../../tests/_support/node_process.ts";
import { startNode } from "./main.ts";

async function nodeWithRecords(n: number) {
  const db = await freshDatabase();
  const now = Date.now() / 1000;
  for (const zone of ["a.test", "b.test", "c.test"]) {
    await upsertZone(db.client, { name: zone, apexNs: [`ns1.${zone}`] }, now);
    await applyRecordChanges(
      db.client,
      Array.from({ length: n }, (_, i) => ({
        op: "add" as const,
        zone,
        name: `r${i}.${zone}`,
        type: "TXT",
        value: `v${i}`,
        ttl: 60,
      })),
      { now },
    );
  }
  db.client.close();
  return loadConfig({
    DMP_DB_URL: db.url,
    DMP_DNS_HOST: "127.0.0.1",
    DMP_DNS_PORT: "0",
    DMP_NODE_HTTP_PORT: "0",
  });
}

const quietLogger = createLogger({ name: "t", level: "ERROR", format: "text", sink: () => {} });

Deno.test("startNode: progress line while loading takes over a second, on a terminal only", async () => {
  const config = await nodeWithRecords(2000);
  for (const tty of [true, false]) {
    const written: string[] = [];
    let t = 0;
    const node = await startNode(config, quietLogger, {
      progress: {
        sink: { isTTY: tty, write: (s: string) => written.push(s) },
        now: () => t += 700, // each look at the clock: 0.7 s later
      },
    });
    await node.stop();
    const screen = written.join("");
    if (tty) {
      // The second zone's update is at least 1.4 s in: a line before the end.
      assert.match(screen, /loading zones: [24],00\d\/6,00\d records \((33|66)%\), [\d,]+\/s, ETA/);
      assert.match(screen, /loading zones: 6,00\d\/6,00\d records \(100%\).*, done\n$/);
    } else {
      assert.equal(screen, "");
    }
  }
  const written: string[] = [];
  let t = 0;
  const node = await startNode(config, quietLogger, {
    progress: {
      sink: { isTTY: true, write: (s) => written.push(s) },
      quiet: true,
      now: () => t += 700,
    },
  });
  await node.stop();
  assert.deepEqual(written, []);
});
