import assert from "node:assert/strict";
import { SyncTrigger } from "./sync_trigger.ts";

Deno.test("SyncTrigger.wait() lasts the interval when nothing fires", async () => {
  const t0 = performance.now();
  assert.equal(await new SyncTrigger().wait(80), "poll");
  assert.ok(performance.now() - t0 >= 70);
});

Deno.test("SyncTrigger.fire() ends a running wait at once", async () => {
  const trigger = new SyncTrigger();
  const t0 = performance.now();
  const waiting = trigger.wait(10_000);
  setTimeout(() => trigger.fire(), 20);
  assert.equal(await waiting, "signal");
  assert.ok(performance.now() - t0 < 5_000);
});

Deno.test("SyncTrigger.fire() between waits is kept for the next wait, once", async () => {
  const trigger = new SyncTrigger();
  trigger.fire();
  trigger.fire();
  assert.equal(await trigger.wait(10_000), "signal");
  assert.equal(await trigger.wait(30), "poll", "two fires while busy make one early wake");
});

Deno.test("SyncTrigger: a wait says what fired it, and a kept signal outranks own writes", async () => {
  const trigger = new SyncTrigger();
  const waiting = trigger.wait(10_000);
  trigger.fire("own_writes");
  assert.equal(await waiting, "own_writes");
  // Kept between waits: own writes then a signal, or the other way round, wake as a signal.
  trigger.fire("own_writes");
  trigger.fire("signal");
  assert.equal(await trigger.wait(10_000), "signal");
  trigger.fire("signal");
  trigger.fire("own_writes");
  assert.equal(await trigger.wait(10_000), "signal");
  trigger.fire("own_writes");
  assert.equal(await trigger.wait(10_000), "own_writes");
  assert.equal(await trigger.wait(30), "poll");
});
