/**
 * The storage worker's request loop, served in this thread on a port of plain callbacks: what it
 * posts back for a load, with and without a listener for its progress.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../../packages/core/config/env.ts";
import { applyRecordChanges } from "../../../packages/core/store/records.ts";
import { upsertZone } from "../../../packages/core/store/zones.ts";
import { freshDatabase } from "../../../tests/_support/node_process.ts";
import type { StorageProgress, StorageReply, StorageRequest } from "./storage_protocol.ts";
import { serveStorage } from "./storage_worker.ts";

Deno.test("storage worker: a load posts progress per page only when asked to", async () => {
  const db = await freshDatabase();
  const now = Date.now() / 1000;
  await upsertZone(db.client, { name: "p.test" }, now);
  const records = Array.from({ length: 1000 }, (_, i) => ({
    op: "add" as const,
    zone: "p.test",
    name: `r${i}.p.test`,
    type: "TXT",
    value: `v${i}`,
    ttl: 60,
  }));
  await applyRecordChanges(db.client, records, { now });
  db.client.close();
  let handler: ((r: StorageRequest) => void) | undefined;
  const replies: (StorageReply | StorageProgress)[] = [];
  let waiting: { id: number; done: () => void } | undefined;
  serveStorage({
    onRequest: (h) => handler = h,
    reply: (r) => {
      replies.push(r);
      if ("ok" in r && r.id === waiting?.id) waiting.done();
    },
  });
  const call = (request: StorageRequest) =>
    new Promise<void>((done) => {
      waiting = { id: request.id, done };
      handler!(request);
    });
  try {
    await call({ id: 1, op: "open", config: loadConfig({ DMP_DB_URL: db.url }) });
    await call({ id: 2, op: "load_index", now, progress: false });
    assert.deepEqual(replies.filter((r) => r.id === 2).map((r) => "ok" in r), [true]);
    await call({ id: 3, op: "load_index", now, progress: true });
    const progress = replies.filter((r): r is StorageProgress => r.id === 3 && "progress" in r);
    // 1000 records are three pages of the raw load (400 rows each).
    assert.deepEqual(progress.map((p) => p.progress), [400, 800, 1000]);
  } finally {
    await call({ id: 9, op: "close" });
    await Deno.remove(db.dir, { recursive: true });
  }
});
