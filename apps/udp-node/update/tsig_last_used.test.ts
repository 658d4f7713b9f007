import assert from "node:assert/strict";
import { TsigLastUsed } from "./tsig_last_used.ts";

Deno.test("a key's last use is written at most once a minute, with its newest time", async () => {
  const t = new TsigLastUsed();
  const writes: { name: string; ts: number }[][] = [];
  const write = (uses: { name: string; ts: number }[]) => {
    writes.push(uses);
    return Promise.resolve();
  };
  t.note("k1", 1000);
  assert.equal(await t.flush(write, 1001), 1);
  assert.deepEqual(writes.at(-1), [{ name: "k1", ts: 1000 }]);
  // A thousand more uses within the minute: nothing written until the minute is up.
  for (let i = 0; i < 1000; i++) t.note("k1", 1001 + i / 100);
  assert.equal(await t.flush(write, 1030), 0);
  assert.equal(await t.flush(write, 1060), 0);
  assert.equal(await t.flush(write, 1061), 1);
  assert.deepEqual(writes.at(-1), [{ name: "k1", ts: 1001 + 999 / 100 }]);
  assert.equal(writes.length, 2);
  // Another key is not held back by the first one's minute.
  t.note("k2", 1062);
  t.note("k1", 1062);
  assert.equal(await t.flush(write, 1063), 1);
  assert.deepEqual(writes.at(-1), [{ name: "k2", ts: 1062 }]);
});

Deno.test("a failed write keeps the time for the next flush", async () => {
  const t = new TsigLastUsed();
  t.note("k", 10);
  assert.equal(await t.flush(() => Promise.reject(new Error("primary down")), 11), 0);
  assert.equal(t.failing, true);
  const got: { name: string; ts: number }[] = [];
  assert.equal(await t.flush((u) => (got.push(...u), Promise.resolve()), 12), 1);
  assert.deepEqual(got, [{ name: "k", ts: 10 }]);
  assert.equal(t.failing, false);
});
