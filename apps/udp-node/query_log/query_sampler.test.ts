import assert from "node:assert/strict";
import { QuerySampler } from "./query_sampler.ts";

/** A seeded uniform [0, 1) (mulberry32), so runs are repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("the sampler takes one query in N on average", () => {
  const s = new QuerySampler({ every: 50, maxPerSecond: 1_000_000, random: seeded(1) });
  let taken = 0;
  const n = 500_000;
  for (let i = 0; i < n; i++) if (s.take(i / 1000)) taken++;
  // Mean gap 50 → 10,000 expected; the gaps are uniform on 1..99, so ±3% is many sigmas.
  assert.ok(Math.abs(taken - n / 50) < n / 50 * 0.03, `took ${taken}`);
});

Deno.test("every = 1 samples every query up to the per-second cap", () => {
  const s = new QuerySampler({ every: 1, maxPerSecond: 5 });
  let taken = 0;
  for (let i = 0; i < 100; i++) if (s.take(1000.5)) taken++;
  assert.equal(taken, 5);
  // The next second opens the cap again.
  assert.equal(s.take(1001.01), true);
});

Deno.test("a flood is capped per second whatever its rate", () => {
  const s = new QuerySampler({ every: 10, maxPerSecond: 20, random: seeded(7) });
  const perSecond = new Map<number, number>();
  // 1,000,000 queries over 10 seconds (100k qps).
  for (let i = 0; i < 1_000_000; i++) {
    const now = 2000 + i / 100_000;
    if (s.take(now)) perSecond.set(Math.floor(now), (perSecond.get(Math.floor(now)) ?? 0) + 1);
  }
  assert.equal(perSecond.size, 10);
  for (const [sec, n] of perSecond) assert.equal(n, 20, `second ${sec}`);
});

Deno.test("the gap to the next sample is not a fixed stride", () => {
  const s = new QuerySampler({ every: 10, maxPerSecond: 1_000_000, random: seeded(3) });
  const gaps = new Set<number>();
  let last = 0;
  for (let i = 1; i <= 10_000; i++) {
    if (s.take(0)) {
      gaps.add(i - last);
      last = i;
    }
  }
  // A client counting queries cannot predict the next sampled one.
  assert.ok(gaps.size > 10, `gaps seen: ${[...gaps]}`);
  for (const g of gaps) assert.ok(g >= 1 && g <= 19);
});
