import assert from "node:assert/strict";
import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";
import { TABLE_WAYS, TokenBucketTable } from "./token_bucket_table.ts";

function fnv(key: string): number {
  let h = FNV1A_START;
  for (let i = 0; i < key.length; i++) h = fnv1aStep(h, key.charCodeAt(i));
  return (h >>> 0) || 1;
}

/** `count` keys of distinct hashes that all land in the set of `target` in a table of `slots`. */
function collidingKeys(target: string, slots: number, count: number): string[] {
  const mask = slots / TABLE_WAYS - 1;
  const set = fnv(target) & mask;
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const k = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    if (k !== target && (fnv(k) & mask) === set && fnv(k) !== fnv(target)) out.push(k);
  }
  return out;
}

Deno.test("a drained key stays drained while colliding keys come and go (issue 12 #5)", () => {
  const slots = 65536;
  const t = new TokenBucketTable({ rate: 1, burst: 10, slots });
  const victim = "192.0.2.1";
  const others = collidingKeys(victim, slots, TABLE_WAYS * 3);
  let granted = 0;
  // The old table: every colliding newcomer took the slot with a full bucket, so the key
  // got a fresh burst after each interleaved collider (945 of 1000 in the issue).
  for (let i = 0; i < 1000; i++) {
    if (t.take(victim, 100)) granted++;
    t.take(others[i % others.length], 100);
  }
  assert.equal(granted, 10, "one burst, no refill at a frozen clock");
});

Deno.test("keys sharing a set never get more than ways × burst + refill in total", () => {
  const t = new TokenBucketTable({ rate: 2, burst: 5, slots: TABLE_WAYS });
  let granted = 0;
  let now = 1000;
  // 50 keys, one set: the newcomers inherit drained buckets instead of fresh ones.
  for (let i = 0; i < 5000; i++) {
    if (i % 100 === 0) now += 1;
    if (t.take(`k${i % 50}`, now)) granted++;
  }
  const bound = TABLE_WAYS * 5 + TABLE_WAYS * 2 * (now - 1000);
  assert.ok(granted <= bound, `granted ${granted} > ${bound}`);
  assert.ok(granted >= TABLE_WAYS * 5, `granted ${granted}: the fresh slots were used`);
});

Deno.test("a newcomer takes an empty slot or the fullest bucket, not a drained one", () => {
  const t = new TokenBucketTable({ rate: 1, burst: 3, slots: TABLE_WAYS });
  // Drain `a`; fill the other slots with keys that used one token each.
  for (let i = 0; i < 3; i++) assert.ok(t.take("a", 0));
  assert.equal(t.take("a", 0), false);
  for (const k of ["b", "c", "d"]) assert.ok(t.take(k, 0));
  // `e` evicts one of b/c/d (2 tokens left), not the drained `a`...
  assert.ok(t.take("e", 0));
  assert.equal(t.take("a", 0), false, "the drained key kept its slot");
  // ...and `a` cannot get tokens back by being evicted and returning: every slot now has
  // at most 2 tokens, and whoever `a` displaces passes those on, never a fresh 3.
  let aGranted = 0;
  for (const k of ["f", "g", "h", "i", "a", "a", "a", "a"]) {
    if (t.take(k, 0) && k === "a") aGranted++;
  }
  assert.ok(aGranted <= 2, `a got ${aGranted} tokens back`);
});

Deno.test("independent keys keep independent buckets; refill is rate × elapsed", () => {
  const t = new TokenBucketTable({ rate: 10, burst: 2 });
  assert.ok(t.take("a", 0));
  assert.ok(t.take("a", 0));
  assert.equal(t.take("a", 0), false);
  assert.ok(t.take("b", 0), "another key has its own bucket");
  assert.equal(t.take("a", 0.05), false, "half a token after 50 ms");
  assert.ok(t.take("a", 0.1));
});

Deno.test("rate or burst 0 disables limiting", () => {
  const t = new TokenBucketTable({ rate: 0, burst: 5 });
  assert.ok(t.disabled);
  for (let i = 0; i < 100; i++) assert.ok(t.take("x", 0));
  const h = new TokenBucketTable({ rate: 5, burst: 0 });
  for (let i = 0; i < 100; i++) assert.ok(h.takeHash(i, 0));
});
