import assert from "node:assert/strict";
import { CapExceededError, type RecordChange } from "../../../packages/core/store/records.ts";
import { GroupCommitter } from "./group_commit.ts";

const isCap = (e: unknown) => (e instanceof CapExceededError ? undefined : null);
const add = (
  name: string,
): RecordChange[] => [{ op: "add", zone: "z", name, type: "TXT", value: name, ttl: 60 }];

Deno.test("GroupCommitter groups what queues while a batch is in flight", async () => {
  const batches: string[][] = [];
  const c = new GroupCommitter<RecordChange[]>(
    async (ch) => {
      batches.push(ch.flat().map((x) => x.name));
      await new Promise((r) => setTimeout(r, 20));
      return batches.length;
    },
    () => Promise.resolve(),
    isCap,
  );
  await Promise.all(["a", "b", "c", "d"].map((n) => c.submit(add(n))));
  assert.deepEqual(batches, [["a"], ["b", "c", "d"]]);
});

Deno.test("GroupCommitter retries one by one on a cap, refusing only the offender", async () => {
  const stored: string[] = [];
  const c = new GroupCommitter<RecordChange[]>(
    async (ch) => {
      await new Promise((r) => setTimeout(r, 5));
      if (ch.flat().some((x) => x.name === "bad")) throw new CapExceededError();
      stored.push(...ch.flat().map((x) => x.name));
      return stored.length;
    },
    () => Promise.resolve(),
    isCap,
  );
  const results = await Promise.allSettled(
    ["first", "ok1", "bad", "ok2"].map((n) => c.submit(add(n))),
  );
  assert.deepEqual(results.map((r) => r.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  assert.deepEqual(stored.sort(), ["first", "ok1", "ok2"]);
});

Deno.test("GroupCommitter fails the whole group on a store error, and resolves after afterCommit", async () => {
  let seen: string[] = [];
  let fail = false;
  const c = new GroupCommitter<RecordChange[]>(async () => {
    await new Promise((r) => setTimeout(r, 5));
    if (fail) throw new Error("primary unreachable");
    return 1;
  }, (ch) => {
    seen = ch.flat().map((x) => x.name);
    return Promise.resolve();
  }, isCap);
  await c.submit(add("x"));
  assert.deepEqual(seen, ["x"]);
  fail = true;
  const r = await Promise.allSettled([c.submit(add("y")), c.submit(add("z"))]);
  assert.ok(r.every((x) => x.status === "rejected"));
});

Deno.test("GroupCommitter drops a culprit the store names and commits the rest in one more batch", async () => {
  const batches: string[][] = [];
  class Named extends Error {
    constructor(readonly index: number) {
      super("guard failed");
    }
  }
  const c = new GroupCommitter<RecordChange[]>(
    async (ch) => {
      const names = ch.flat().map((x) => x.name);
      batches.push(names);
      await new Promise((r) => setTimeout(r, 5));
      const bad = names.indexOf("bad");
      if (bad >= 0) throw new Named(bad);
      return batches.length;
    },
    () => Promise.resolve(),
    (e) => (e instanceof Named ? e.index : null),
  );
  const results = await Promise.allSettled(
    ["first", "ok1", "bad", "ok2", "ok3"].map((n) => c.submit(add(n))),
  );
  assert.deepEqual(results.map((r) => r.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
    "fulfilled",
  ]);
  assert.deepEqual(batches, [["first"], ["ok1", "bad", "ok2", "ok3"], ["ok1", "ok2", "ok3"]]);
});

Deno.test("afterCommit gets the highest mark of the group's commits, retries included", async () => {
  let position = 0;
  const marks: number[] = [];
  const c = new GroupCommitter<RecordChange[]>(
    async (ch) => {
      await new Promise((r) => setTimeout(r, 5));
      if (ch.flat().some((x) => x.name === "bad")) throw new CapExceededError();
      position += ch.length;
      return position;
    },
    (_ch, mark) => {
      marks.push(mark);
      return Promise.resolve();
    },
    isCap,
  );
  // "first" goes alone; the rest queue behind it as one group, committed one by one after the
  // cap error: a (position 2), bad refused, b (position 3).
  await Promise.allSettled(["first", "a", "bad", "b"].map((n) => c.submit(add(n))));
  assert.deepEqual(marks, [1, 3], "the group's mark is its last commit's, not its first");
});

Deno.test("groups start minInterval apart while writes keep coming, and at once after a pause", async () => {
  const starts: number[] = [];
  const batches: string[][] = [];
  const slept: number[] = [];
  const c = new GroupCommitter<RecordChange[]>(
    (ch) => {
      starts.push(performance.now());
      batches.push(ch.flat().map((x) => x.name));
      return Promise.resolve(batches.length);
    },
    () => Promise.resolve(),
    isCap,
    {
      minInterval: 40,
      sleep: (ms) => {
        slept.push(ms);
        return new Promise((r) => setTimeout(r, ms));
      },
    },
  );
  await c.submit(add("a"));
  assert.deepEqual(slept, [], "the first group goes at once");
  // Back to back: the second group waits out the interval, and what queued meanwhile joins it.
  await Promise.all(["b", "c", "d"].map((n) => c.submit(add(n))));
  assert.deepEqual(batches, [["a"], ["b", "c", "d"]]);
  assert.equal(slept.length, 1);
  assert.ok(
    starts[1] - starts[0] >= 39,
    `second group ${starts[1] - starts[0]} ms after the first`,
  );
  // After a pause longer than the interval, a group goes at once.
  await new Promise((r) => setTimeout(r, 60));
  await c.submit(add("e"));
  assert.equal(slept.length, 1, "no wait after a pause");
  assert.deepEqual(batches.at(-1), ["e"]);
});

Deno.test("a full group does not wait out the interval", async () => {
  const batches: string[][] = [];
  let slept = 0;
  const c = new GroupCommitter<RecordChange[]>(
    (ch) => {
      batches.push(ch.flat().map((x) => x.name));
      return Promise.resolve(batches.length);
    },
    () => Promise.resolve(),
    isCap,
    {
      maxGroup: 2,
      minInterval: 1000,
      sleep: (ms) => {
        slept++;
        return new Promise((r) => setTimeout(r, ms));
      },
    },
  );
  await Promise.all(["a", "b", "c", "d", "e"].map((n) => c.submit(add(n))));
  // a goes alone; b,c then d,e are full groups; nothing is left to wait for.
  assert.deepEqual(batches, [["a"], ["b", "c"], ["d", "e"]]);
  assert.equal(slept, 0);
});
