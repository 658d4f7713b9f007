import assert from "node:assert/strict";
import { SyncDeadlineError, syncNewReplica } from "./new_replica_sync.ts";

const SNAPSHOT_NOT_FOUND = new Error(
  'Replication(Client(Status { message: "snapshot not found" }))',
);

Deno.test("a first sync that fails twice is retried and succeeds on the third attempt", async () => {
  let calls = 0;
  const retried: number[] = [];
  const attempts = await syncNewReplica(() => {
    calls++;
    return calls < 3 ? Promise.reject(SNAPSHOT_NOT_FOUND) : Promise.resolve({ frames_synced: 1 });
  }, {
    deadlineMs: 5_000,
    retryMs: 10,
    onRetry: (e, n) => {
      assert.equal(e, SNAPSHOT_NOT_FOUND);
      retried.push(n);
    },
  });
  assert.equal(attempts, 3);
  assert.equal(calls, 3);
  assert.deepEqual(retried, [1, 2]);
});

Deno.test("a first sync that keeps failing gives up at the deadline with the last error", async () => {
  let calls = 0;
  const t0 = Date.now();
  const e = await syncNewReplica(() => {
    calls++;
    return Promise.reject(new Error(`refused ${calls}`));
  }, { deadlineMs: 300, retryMs: 20 }).catch((x) => x);
  assert.ok(e instanceof Error);
  assert.equal(e.message, `refused ${calls}`, "the last attempt's error");
  assert.ok(calls >= 5, `retried until the deadline (${calls} attempts)`);
  assert.ok(Date.now() - t0 < 2_000, "no attempt after the deadline");
});

Deno.test("an attempt still running at the deadline is not waited for", async () => {
  let calls = 0;
  const e = await syncNewReplica(() => {
    calls++;
    return new Promise(() => {});
  }, { deadlineMs: 100, retryMs: 10 }).catch((x) => x);
  assert.ok(e instanceof SyncDeadlineError, String(e));
  assert.match(e.message, /100 ms/);
  assert.equal(calls, 1, "a hung attempt is not doubled by another");
});
