import assert from "node:assert/strict";
import { ByteSlab } from "./byte_slab.ts";

Deno.test("views come from one chunk, zero-filled, 8-byte aligned, never overlapping", () => {
  const slab = new ByteSlab(1024);
  const a = slab.alloc(10);
  const b = slab.alloc(20);
  assert.equal(a.buffer, b.buffer);
  assert.equal(a.byteOffset, 0);
  assert.equal(b.byteOffset, 16);
  assert.deepEqual([...b], new Array(20).fill(0));
  a.fill(0xff);
  assert.ok(b.every((x) => x === 0), "writing one view must not touch the next");
});

Deno.test("a full chunk is replaced, never reused: earlier views keep their bytes", () => {
  const slab = new ByteSlab(256);
  const first = slab.alloc(60);
  first.fill(7);
  for (let i = 0; i < 8; i++) slab.alloc(60).fill(9);
  const later = slab.alloc(60);
  assert.notEqual(later.buffer, first.buffer);
  assert.ok(first.every((x) => x === 7));
});

Deno.test("requests over a quarter chunk get a buffer of their own", () => {
  const slab = new ByteSlab(1024);
  const small = slab.alloc(8);
  const big = slab.alloc(300);
  assert.notEqual(big.buffer, small.buffer);
  assert.equal(big.byteLength, 300);
  assert.equal(big.buffer.byteLength, 300);
  assert.equal(slab.alloc(8).buffer, small.buffer, "the chunk is still in use after a big request");
});
