import assert from "node:assert/strict";
import type { QueryLogSample } from "../../../packages/core/store/query_log.ts";
import { QueryRing } from "./query_ring.ts";

function sample(i: number): QueryLogSample {
  return {
    tsMs: i,
    name: `n${i}.example`,
    qtype: 1,
    outcome: "noerror",
    rcode: 0,
    latencyUs: 5,
    transport: "udp",
    client: "192.0.2.0/24",
  };
}

Deno.test("the ring drains oldest first and empties", () => {
  const r = new QueryRing(4);
  for (let i = 0; i < 3; i++) r.push(sample(i));
  assert.equal(r.size, 3);
  assert.deepEqual(r.drain().map((s) => s.tsMs), [0, 1, 2]);
  assert.equal(r.size, 0);
  assert.deepEqual(r.drain(), []);
});

Deno.test("a full ring overwrites its oldest samples and counts them", () => {
  const r = new QueryRing(4);
  for (let i = 0; i < 11; i++) r.push(sample(i));
  assert.equal(r.size, 4);
  assert.equal(r.overwritten, 7);
  assert.deepEqual(r.drain().map((s) => s.tsMs), [7, 8, 9, 10]);
  assert.equal(r.overwritten, 0);
  // It keeps working across the wrap.
  r.push(sample(11));
  assert.deepEqual(r.drain().map((s) => s.tsMs), [11]);
});
