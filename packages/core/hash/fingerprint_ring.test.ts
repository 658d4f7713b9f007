import assert from "node:assert/strict";
import { type Fingerprint, fingerprintOf, FingerprintRing } from "./fingerprint_ring.ts";

Deno.test("fingerprints: text and bytes both count, lengths keep them apart", () => {
  const fp = (text: string, bytes: number[]) => {
    const f = fingerprintOf(text, new Uint8Array(bytes), { hi: 0, lo: 0 });
    return `${f.hi}:${f.lo}`;
  };
  const seen = new Set([
    fp("k", [1, 2]),
    fp("k", [1, 3]),
    fp("j", [1, 2]),
    fp("k1", [2]),
    fp("k", [0x31, 2]),
    fp("", []),
  ]);
  assert.equal(seen.size, 6);
  assert.equal(fp("k", [1, 2]), fp("k", [1, 2]), "same input, same fingerprint");
});

/**
 * Random adds against a Map kept in insertion order (what the ring replaced). Fingerprints
 * share their low bits so that probe chains form and deletions shift entries back; the larger
 * ring also grows from its initial 256 places.
 */
Deno.test("ring: finds what a FIFO-bounded map holds, through growth, evictions, replacements", () => {
  let seed = 12345;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 0x1_0000_0000;
  for (
    const { capacity, keys, steps } of [
      { capacity: 37, keys: 64, steps: 20_000 },
      { capacity: 700, keys: 1_200, steps: 12_000 },
    ]
  ) {
    const ring = new FingerprintRing(capacity);
    const model = new Map<number, number>();
    // Keys over 4 low-bit homes: long chains in the index.
    const fpOf = (k: number): Fingerprint => ({ hi: (k % 4) | (k << 12), lo: k * 7 });
    for (let step = 0; step < steps; step++) {
      const k = Math.floor(random() * keys);
      const op = random();
      if (op < 0.6) {
        ring.add(fpOf(k), step);
        model.delete(k);
        model.set(k, step);
        // The ring evicts by ring place, counting replaced entries until the head passes
        // them: it may hold fewer than `capacity`, never more, and never one the model lacks.
        while (model.size > capacity) model.delete(model.keys().next().value!);
      } else if (op < 0.65) {
        ring.dropOldest();
      }
      for (let i = 0; i < 64; i++) {
        const j = i === 0 ? k : Math.floor(random() * keys);
        const p = ring.find(fpOf(j));
        if (p >= 0) assert.equal(ring.valueAt(p), model.get(j), `step ${step}: ${j}`);
      }
      assert.ok(ring.size <= Math.min(capacity, model.size), `size ${ring.size}`);
    }
    // Adds only, every key new: the ring holds exactly the newest `capacity`.
    const fresh = new FingerprintRing(capacity);
    for (let k = 0; k < 3 * capacity; k++) fresh.add(fpOf(k), k);
    for (let k = 0; k < 3 * capacity; k++) {
      assert.equal(fresh.find(fpOf(k)) >= 0, k >= 2 * capacity, `${capacity}: ${k}`);
    }
    assert.equal(fresh.size, capacity);
    assert.equal(fresh.oldestValue(), 2 * capacity);
  }
});

Deno.test("ring: payloads are stored, copied out and kept through growth; too large is refused", () => {
  const ring = new FingerprintRing(2, 4);
  const a = { hi: 1, lo: 1 };
  const b = { hi: 1, lo: 2 };
  ring.add(a, 0, new Uint8Array([1, 2, 3]));
  ring.add(b, 0, new Uint8Array([9]));
  const out = ring.payloadAt(ring.find(a));
  assert.deepEqual([...out], [1, 2, 3]);
  out[0] = 7;
  assert.deepEqual([...ring.payloadAt(ring.find(a))], [1, 2, 3], "a copy");
  assert.deepEqual([...ring.payloadAt(ring.find(b))], [9]);
  assert.throws(() => ring.add({ hi: 2, lo: 2 }, 0, new Uint8Array(5)), RangeError);
  assert.equal(ring.size, 2, "the refused add changed nothing");
  ring.add(a, 0, new Uint8Array([4])); // replaces a; evicts nothing live
  assert.deepEqual([...ring.payloadAt(ring.find(a))], [4]);
  assert.ok(ring.find(b) >= 0);

  // Payloads move with their entries when the ring grows (256 → 512 → 1000 places), and an
  // entry added without one has none.
  const big = new FingerprintRing(1000, 4);
  const fpOf = (k: number) => ({ hi: k * 2654435761, lo: k });
  for (let k = 0; k < 900; k++) {
    big.add(fpOf(k), k, k % 7 === 0 ? undefined : new Uint8Array([k & 0xff, k >> 8, 7]));
  }
  for (let k = 0; k < 900; k++) {
    const p = big.find(fpOf(k));
    assert.ok(p >= 0, `${k} held`);
    assert.equal(big.valueAt(p), k);
    assert.deepEqual([...big.payloadAt(p)], k % 7 === 0 ? [] : [k & 0xff, k >> 8, 7], `${k}`);
  }
});

Deno.test("ring: removeBelow takes entries out wherever they stand", () => {
  const ring = new FingerprintRing(8);
  for (let i = 0; i < 6; i++) ring.add({ hi: i, lo: i }, [50, 10, 60, 5, 70, 20][i]);
  ring.removeBelow(30);
  assert.equal(ring.size, 3);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => ring.find({ hi: i, lo: i }) >= 0), [
    true,
    false,
    true,
    false,
    true,
    false,
  ]);
  assert.equal(ring.oldestValue(), 50);
});
