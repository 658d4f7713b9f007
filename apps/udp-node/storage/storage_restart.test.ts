/**
 * A storage worker that dies (issue 15): a real node (startNode on a real
 * `file:` database, real UDP, dig) whose worker throws an uncaught error goes
 * on answering from memory, logs the crash, restarts the worker with backoff,
 * and resyncs: a write made at the store while the worker was down, and one
 * after, are both answered.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../../packages/core/config/env.ts";
import { createLogger } from "../../../packages/core/log/logger.ts";
import { applyRecordChanges } from "../../../packages/core/store/records.ts";
import { upsertZone } from "../../../packages/core/store/zones.ts";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import { dig } from "../../../tests/_support/dig.ts";
import { startNode } from "../main.ts";
import type { StorageClient } from "./storage_client.ts";

const ZONE = "restart.test";

/** Polls `check` every 100 ms until it holds or `ms` pass (a loaded machine is slow). */
async function until(what: string, ms: number, check: () => Promise<boolean> | boolean) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test("storage worker crash: answers go on from memory, the worker restarts and writes show up", async () => {
  const db = await freshDatabase();
  const now = () => Date.now() / 1000;
  const txt = (name: string, value: string) => ({
    op: "add" as const,
    zone: ZONE,
    name: `${name}.${ZONE}`,
    type: "TXT",
    value,
    ttl: 60,
  });
  await upsertZone(db.client, { name: ZONE, apexNs: [`ns1.${ZONE}`] }, now());
  await applyRecordChanges(db.client, [txt("before", "one")], { now: now() });
  const lines: string[] = [];
  const logger = createLogger({
    name: "t",
    level: "INFO",
    format: "text",
    sink: (l) => lines.push(l),
  });
  let storage: StorageClient | undefined;
  const node = await startNode(
    loadConfig({
      DMP_DB_URL: db.url,
      DMP_DNS_HOST: "127.0.0.1",
      DMP_DNS_PORT: "0",
      DMP_NODE_HTTP_PORT: "0",
      DMP_DB_SYNC_INTERVAL: "0.2",
    }),
    logger,
    { onStorage: (s) => storage = s },
  );
  try {
    const answer = async (name: string) =>
      (await dig(node.dnsPort, `${name}.${ZONE}`, "TXT")).answer.map((r) => r.data).join();
    assert.equal(await answer("before"), '"one"');

    await storage!.crashWorkerForTest();
    await until("the crash to be noticed", 10_000, () => !storage!.alive);
    assert.ok(
      lines.some((l) =>
        /ERROR .*storage worker stopped: serving the last data from memory/.test(l)
      ),
      lines.join("\n"),
    );
    // Down: DNS still answers from memory; a write lands at the store meanwhile.
    assert.equal(await answer("before"), '"one"');
    await applyRecordChanges(db.client, [txt("during", "two")], { now: now() });

    // Restarted (first backoff 1 s) and resynced from where the index was.
    await until("the worker to restart", 20_000, () => storage!.alive);
    await until(
      "the write made while it was down",
      20_000,
      async () => await answer("during") === '"two"',
    );
    assert.ok(lines.some((l) => /storage worker restarted; resyncing/.test(l)), lines.join("\n"));
    assert.equal(node.metrics.value("dmp_storage_worker_restarts_total"), 1);
    await applyRecordChanges(db.client, [txt("after", "three")], { now: now() });
    await until(
      "a write after the restart",
      20_000,
      async () => await answer("after") === '"three"',
    );
    assert.equal(await answer("before"), '"one"');
  } finally {
    await node.stop();
    db.client.close();
  }
});
