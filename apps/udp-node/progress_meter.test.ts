import assert from "node:assert/strict";
import { ProgressMeter } from "./progress_meter.ts";

function meter(opts: { isTTY?: boolean; quiet?: boolean; total?: number }) {
  let t = 0;
  const written: string[] = [];
  const m = new ProgressMeter({
    label: "importing x",
    unit: "records",
    total: opts.total,
    quiet: opts.quiet,
    sink: { isTTY: opts.isTTY, write: (s: string) => written.push(s) },
    now: () => t,
  });
  return { m, written, advance: (ms: number) => t += ms };
}

Deno.test("progress: silent for the first second, then count, percentage, rate and ETA", () => {
  const { m, written, advance } = meter({ isTTY: true, total: 10_000 });
  advance(900);
  m.update(900);
  assert.deepEqual(written, []);
  advance(1100); // 2 s in, 4,000 done: 2,000/s, 6,000 left → 3 s
  m.update(4000);
  assert.equal(written.length, 1);
  assert.equal(written[0], "\r\x1b[2Kimporting x: 4,000/10,000 records (40%), 2,000/s, ETA 3s");
  advance(100); // within the redraw interval: no redraw
  m.update(4100);
  assert.equal(written.length, 1);
  advance(2000);
  m.update(10_000);
  m.finish();
  assert.match(written.at(-1)!, /10,000\/10,000 records \(100%\).*, done\n$/);
});

Deno.test("progress: nothing when stderr is not a terminal, when quiet, or when fast", () => {
  for (const o of [{ isTTY: false }, { isTTY: true, quiet: true }]) {
    const { m, written, advance } = meter({ ...o, total: 10 });
    advance(5000);
    m.update(5);
    m.finish();
    assert.deepEqual(written, [], JSON.stringify(o));
  }
  const fast = meter({ isTTY: true, total: 10 });
  fast.advance(200);
  fast.m.update(10);
  fast.m.finish();
  assert.deepEqual(fast.written, []);
});
