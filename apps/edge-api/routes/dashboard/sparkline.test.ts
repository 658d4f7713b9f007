import assert from "node:assert/strict";
import { fixed, Sparkline, sparklineShapes } from "./sparkline.tsx";

Deno.test("sparklineShapes() scales to the peak, breaks at gaps and marks lone points", () => {
  const s = sparklineShapes([0, 5, 10, null, 4, null, null, 2, 2]);
  assert.equal(s.max, 10);
  // 9 points over 120 units: 15 apart; the peak at the top (y = 1), zero at the bottom (y = 23)
  assert.deepEqual(s.lines, ["0,23 15,12 30,1", "105,18.6 120,18.6"]);
  assert.deepEqual(s.dots, [[60, 14.2]]);
});

Deno.test("sparklineShapes() draws an all-zero or empty series without dividing by zero", () => {
  assert.deepEqual(sparklineShapes([0, 0]), { lines: ["0,23 120,23"], dots: [], max: 0 });
  assert.deepEqual(sparklineShapes([null, null]), { lines: [], dots: [], max: 0 });
  assert.deepEqual(sparklineShapes([]), { lines: [], dots: [], max: 0 });
  // a hostile value (NaN, negative) is a gap or the floor, never an attribute of NaN
  const s = sparklineShapes([Number.NaN, -3, 1]);
  assert.deepEqual(s.lines, ["60,23 120,1"]);
});

Deno.test("Sparkline is an SVG with its label, peak and latest value for screen readers", () => {
  const html = String(Sparkline({ values: [1, 2.5, null], label: "Queries", unit: "q/s" }));
  assert.match(html, /^<svg class="spark" viewBox="0 0 120 24"/);
  assert.match(html, /aria-label="Queries over the last hour: peak 2.5 q\/s, latest 2.5 q\/s"/);
  assert.match(html, /<polyline points="0,14.2 60,1"/);
  assert.doesNotMatch(html, /style=|<script/);
  assert.equal(fixed(1234.5), "1235");
  assert.equal(fixed(0.126), "0.13");
});
