import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { JournalHeadWatch, kickOnWrites } from "./journal_head_watch.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("journal head watch: one read per tick for every waiter, each answered once the head passes it", async () => {
  let head = 10;
  let reads = 0;
  const watch = new JournalHeadWatch(() => {
    reads++;
    return Promise.resolve(head);
  }, 40);
  const never = new AbortController();
  const waits = [10, 10, 10, 10, 10, 12].map((after) => watch.waitPast(after, never.signal));
  await sleep(230);
  assert.equal(watch.waiting, 6);
  // Six waiters held for ~5 ticks: a read per tick (plus one per arrival), not six per tick.
  assert.ok(reads <= 13, `${reads} reads`);
  head = 11;
  assert.deepEqual(await Promise.all(waits.slice(0, 5)), [11, 11, 11, 11, 11]);
  assert.equal(watch.waiting, 1); // after=12 still waits
  head = 13;
  assert.equal(await waits[5], 13);
  assert.equal(watch.waiting, 0);
  // With no one waiting, nothing reads.
  const idle = reads;
  await sleep(150);
  assert.equal(reads, idle);
});

Deno.test("journal head watch: a head already past is answered at once; an abort answers the last head read", async () => {
  const watch = new JournalHeadWatch(() => Promise.resolve(7), 1000);
  const t0 = performance.now();
  assert.equal(await watch.waitPast(3, new AbortController().signal), 7);
  assert.ok(performance.now() - t0 < 500, "not held for a tick");
  const hold = new AbortController();
  const held = watch.waitPast(7, hold.signal);
  await sleep(50);
  hold.abort();
  assert.equal(await held, 7);
  assert.equal(watch.waiting, 0);
});

Deno.test("journal head watch: a failed read rejects the waiters, and the next waiter reads again", async () => {
  let fail = true;
  const watch = new JournalHeadWatch(
    () => fail ? Promise.reject(new Error("store down")) : Promise.resolve(5),
    20,
  );
  const signal = new AbortController().signal;
  await assert.rejects(watch.waitPast(1, signal), /store down/);
  assert.equal(watch.waiting, 0);
  fail = false;
  assert.equal(await watch.waitPast(1, signal), 5);
});

Deno.test("journal head watch: a write through kickOnWrites answers the held request at once; a read does not read the head", async () => {
  const dir = await Deno.makeTempDir();
  const raw = createClient({ url: `file:${dir}/k.db` });
  await raw.execute("CREATE TABLE journal (seq INTEGER PRIMARY KEY)");
  let reads = 0;
  // A tick of 30 s: only a kick can answer within the test's time.
  const watch = new JournalHeadWatch(async () => {
    reads++;
    const r = await raw.execute("SELECT coalesce(max(seq), 0) AS head FROM journal");
    return Number(r.rows[0].head);
  }, 30_000);
  const client = kickOnWrites(raw, watch);
  try {
    const held = watch.waitPast(0, new AbortController().signal);
    await sleep(100);
    assert.equal(reads, 1);
    await client.execute("SELECT count(*) FROM journal");
    await client.batch([{ sql: "SELECT 1" }], "read");
    await sleep(100);
    assert.equal(reads, 1, "reads do not kick");
    const t0 = performance.now();
    await client.batch([{ sql: "INSERT INTO journal (seq) VALUES (7)" }], "write");
    assert.equal(await held, 7);
    assert.ok(performance.now() - t0 < 5000, "answered by the kick, not the 30 s tick");
    assert.equal(typeof client.close, "function", "other members pass through");
  } finally {
    raw.close();
    await Deno.remove(dir, { recursive: true });
  }
});
