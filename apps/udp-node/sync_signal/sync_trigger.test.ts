import assert from "node:assert/strict";
import { SyncTrigger } from "./sync_trigger.ts";

Deno.test("SyncTrigger.wait() lasts the interval when nothing fires", async () => {
  const t0 = performance.now();
  assert.equal(await new SyncTrigger().wait(80), false);
  assert.ok(performance.now() - t0 >= 70);
});

Deno.test("SyncTrigger.fire() ends a running wait at once", async () => {
  const trigger = new SyncTrigger();
  const t0 = performance.now();
  const waiting = trigger.wait(10_000);
  setTimeout(() => trigger.fire(), 20);
  assert.equal(await waiting, true);
  assert.ok(performance.now() - t0 < 5_000);
});

Deno.test("SyncTrigger.fire() between waits is kept for the next wait, once", async () => {
  const trigger = new SyncTrigger();
  trigger.fire();
  trigger.fire();
  assert.equal(await trigger.wait(10_000), true);
  assert.equal(await trigger.wait(30), false, "two fires while busy make one early wake");
});
