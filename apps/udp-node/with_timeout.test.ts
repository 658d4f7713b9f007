import assert from "node:assert/strict";
import { withTimeout } from "./with_timeout.ts";

Deno.test("withTimeout settles as the promise does when it is in time", async () => {
  assert.equal(await withTimeout(Promise.resolve(7), 1_000), 7);
  const failed: Error = await withTimeout(Promise.reject(new Error("no")), 1_000).catch((e) => e);
  assert.equal(failed.message, "no");
});

Deno.test("withTimeout rejects a promise that is late, with the error asked for", async () => {
  const late: Error = await withTimeout(new Promise<never>(() => {}), 20).catch((e) => e);
  assert.equal(late.message, "timed out after 20 ms");
  const hung = new Promise<never>(() => {});
  const own: Error = await withTimeout(hung, 10, () => new RangeError("mine")).catch((e) => e);
  assert.ok(own instanceof RangeError);
});
