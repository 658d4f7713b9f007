import assert from "node:assert/strict";
import { POINTER_RR, TYPE } from "../wire/constants.ts";
import { ANSWER_TABLE_MAX_WIRE, AnswerTable } from "./answer_table.ts";
import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";
import type { IndexedRRset } from "./zone_index.ts";

/** An RRset of `count` TXT RRs of `size` RDATA bytes each, RDATA filled with `fill`. */
function txtSet(count: number, size: number, fill: number, expiresAt = 0, ttl = 300): IndexedRRset {
  const wire = new Uint8Array(count * (POINTER_RR.HEADER_BYTES + size));
  const records = [];
  for (let i = 0; i < count; i++) {
    const o = i * (POINTER_RR.HEADER_BYTES + size);
    wire.set([0xc0, 12, 0, TYPE.TXT, 0, 1, 0, 0, ttl >> 8, ttl & 0xff, 0, size], o);
    wire.fill(fill, o + POINTER_RR.HEADER_BYTES, o + POINTER_RR.HEADER_BYTES + size);
    records.push({ offset: o, ttl, expiresAt });
  }
  return {
    type: TYPE.TXT,
    wire,
    records,
    expiring: expiresAt !== 0,
    firstExpiry: expiresAt === 0 ? Infinity : expiresAt,
  };
}

function key(name: string): [Uint8Array, number, number] {
  const bytes = new TextEncoder().encode(name);
  let h = FNV1A_START;
  for (const b of bytes) h = fnv1aStep(h, b);
  return [bytes, bytes.length, h];
}

function find(t: AnswerTable, name: string, type: number = TYPE.TXT, now = 0): number {
  const [k, n, h] = key(name);
  return t.find(k, n, h, type, now);
}

function answer(t: AnswerTable, e: number, maxTtl = 3600, now = 0): Uint8Array {
  const out = new Uint8Array(t.wireLength(e));
  assert.equal(t.writeAnswer(out, 0, e, maxTtl, now), out.length);
  return out;
}

Deno.test("set, find by name bytes and type, delete", () => {
  const t = new AnswerTable();
  assert.ok(t.set("a.example.test", txtSet(2, 5, 0x61)));
  const e = find(t, "a.example.test");
  assert.ok(e >= 0);
  assert.equal(t.recordCount(e), 2);
  assert.deepEqual(answer(t, e), txtSet(2, 5, 0x61).wire);
  assert.equal(find(t, "a.example.test", TYPE.A), -1, "another type is a miss");
  assert.equal(find(t, "b.example.test"), -1);
  assert.equal(find(t, "a.example.tes"), -1, "a prefix is a miss");
  t.delete("a.example.test", TYPE.TXT);
  assert.equal(find(t, "a.example.test"), -1);
  assert.equal(t.size, 0);
});

Deno.test("a second set of the same name and type replaces the first", () => {
  const t = new AnswerTable();
  t.set("a.test", txtSet(1, 3, 1));
  t.set("a.test", txtSet(1, 3, 2));
  assert.equal(t.size, 1);
  assert.equal(answer(t, find(t, "a.test"))[POINTER_RR.HEADER_BYTES], 2);
});

Deno.test("names the parser would escape or capitalize, and oversize RRsets, stay out", () => {
  const t = new AnswerTable();
  assert.equal(t.set("a\\046b.test", txtSet(1, 1, 1)), false);
  assert.equal(t.set("A.test", txtSet(1, 1, 1)), false);
  assert.equal(t.set("a b.test", txtSet(1, 1, 1)), false);
  assert.equal(t.set("big.test", txtSet(17, 255, 1)), false, `over ${ANSWER_TABLE_MAX_WIRE} bytes`);
  assert.equal(t.size, 0);
});

Deno.test("TTLs of RRs with a lifetime are min(maxTtl, TTL, remaining); expiry is a miss", () => {
  const t = new AnswerTable();
  t.set("m.test", txtSet(1, 4, 9, 1000, 600));
  const e = find(t, "m.test", TYPE.TXT, 900);
  const ttlOf = (bytes: Uint8Array) => new DataView(bytes.buffer).getUint32(6);
  assert.equal(ttlOf(answer(t, e, 3600, 900)), 100);
  assert.equal(ttlOf(answer(t, e, 60, 900)), 60);
  assert.equal(ttlOf(answer(t, e, 3600, 0)), 600);
  assert.equal(find(t, "m.test", TYPE.TXT, 999.5), e);
  assert.equal(find(t, "m.test", TYPE.TXT, 1000), -1, "the index answers expired RRsets");
});

Deno.test("churn: 20,000 names rewritten ten times stay exact through compaction and rehash", () => {
  const t = new AnswerTable();
  const names = Array.from({ length: 20_000 }, (_, i) => `slot-${i % 10}.mb-${i}.test`);
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < names.length; i++) {
      if ((i + round) % 3 === 0) t.delete(names[i], TYPE.TXT);
      else t.set(names[i], txtSet(1 + (i % 3), 20 + round, (i + round) & 0xff));
    }
  }
  let live = 0;
  for (let i = 0; i < names.length; i++) {
    const e = find(t, names[i]);
    if ((i + 9) % 3 === 0) {
      assert.equal(e, -1, names[i]);
      continue;
    }
    live++;
    assert.deepEqual(answer(t, e), txtSet(1 + (i % 3), 29, (i + 9) & 0xff).wire, names[i]);
  }
  assert.equal(t.size, live);
  // Compaction keeps the arena near what is live, not all that was ever written.
  assert.ok(t.arenaBytes < 3 * live * 100, `arena ${t.arenaBytes} bytes for ${live} entries`);
});

Deno.test("answers point into the RRset's own bytes: the arena keeps no copy of them", () => {
  const t = new AnswerTable();
  // Two RRsets that are views into one buffer, as the index's RRsets are into a zone image.
  const ownA = txtSet(3, 1000, 0x61);
  const ownB = txtSet(1, 2000, 0x62);
  const image = new Uint8Array(ownA.wire.length + ownB.wire.length);
  image.set(ownA.wire);
  image.set(ownB.wire, ownA.wire.length);
  const a = { ...ownA, wire: image.subarray(0, ownA.wire.length) };
  const b = { ...ownB, wire: image.subarray(ownA.wire.length) };
  assert.ok(t.set("a.example.test", a) && t.set("b.example.test", b));
  assert.ok(t.arenaBytes < 200, `arena ${t.arenaBytes} bytes for ${image.length} answer bytes`);
  assert.deepEqual(answer(t, find(t, "a.example.test")), a.wire);
  assert.deepEqual(answer(t, find(t, "b.example.test")), b.wire);
  // Released and set again (the buffer's number is reused): still the right bytes.
  t.delete("a.example.test", TYPE.TXT);
  t.delete("b.example.test", TYPE.TXT);
  const c = txtSet(2, 10, 0x63);
  assert.ok(t.set("c.example.test", c));
  assert.deepEqual(answer(t, find(t, "c.example.test")), c.wire);
});
