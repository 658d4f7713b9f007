import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { QueryFirstLane } from "./query_first_lane.ts";

/** A lane whose loop iterations the test runs by hand. */
function manualLane() {
  const iterations: (() => void)[] = [];
  const lane = new QueryFirstLane((run) => iterations.push(run));
  const iterate = async () => {
    const run = iterations.shift();
    assert.ok(run, "an iteration was scheduled");
    run();
    await Promise.resolve(); // the granted caller's continuation
  };
  return { lane, iterations, iterate };
}

Deno.test("turns are granted one per loop iteration, first come first served", async () => {
  const { lane, iterations, iterate } = manualLane();
  const order: number[] = [];
  for (let i = 0; i < 3; i++) void lane.turn().then(() => order.push(i));
  assert.equal(iterations.length, 1, "one iteration scheduled, not one per caller");
  assert.equal(lane.waiting, 3);
  await Promise.resolve();
  assert.equal(order.length, 0, "nobody runs before the loop turns");
  await iterate();
  assert.deepEqual(order, [0]);
  await iterate();
  await iterate();
  assert.deepEqual(order, [0, 1, 2]);
  assert.equal(iterations.length, 0, "an empty lane schedules nothing");
  void lane.turn().then(() => order.push(3));
  await iterate();
  assert.deepEqual(order, [0, 1, 2, 3], "a lane that emptied starts again");
});

Deno.test("a lane that never empties keeps its order across the compaction of granted turns", async () => {
  const { lane, iterate } = manualLane();
  const order: number[] = [];
  let next = 0;
  const add = () => {
    const i = next++;
    void lane.turn().then(() => order.push(i));
  };
  for (let i = 0; i < 1500; i++) add();
  for (let i = 0; i < 3000; i++) {
    if (i < 1500) add(); // one in for every one out: the lane stays busy past 1024 grants
    await iterate();
  }
  assert.equal(order.length, 3000);
  assert.ok(order.every((v, i) => v === i), "granted in arrival order");
  assert.equal(lane.waiting, 0);
});

Deno.test("a datagram that arrives while turns wait is read before the turns are done", async () => {
  const lane = new QueryFirstLane();
  const server = createSocket("udp4");
  const client = createSocket("udp4");
  try {
    await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
    const port = server.address().port;
    let done = 0;
    const readAfter: number[] = [];
    server.on("message", () => readAfter.push(done));
    const turns: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      turns.push(
        lane.turn().then(() => {
          const until = performance.now() + 0.25; // an UPDATE's synchronous work
          while (performance.now() < until) { /* busy */ }
          done++;
        }),
      );
    }
    client.send(new Uint8Array([1]), port, "127.0.0.1");
    await Promise.all(turns);
    // Run back to back, the 400 turns take 100 ms and the datagram is read after all of them.
    assert.equal(readAfter.length, 1, "the datagram was read");
    assert.ok(readAfter[0] < 200, `read after ${readAfter[0]} of 400 turns`);
  } finally {
    server.close();
    client.close();
  }
});
