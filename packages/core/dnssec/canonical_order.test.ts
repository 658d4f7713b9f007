import assert from "node:assert/strict";
import { compareCanonicalNames } from "./canonical_order.ts";

Deno.test("compareCanonicalNames() orders RFC 4034 §6.1's example", () => {
  const expected = [
    "example",
    "a.example",
    "yljkjljk.a.example",
    "z.a.example",
    "zabc.a.example",
    "z.example",
    "\\001.z.example".replace("\\001", "\x01"),
    "*.z.example",
    "\\200.z.example".replace("\\200", "~"),
  ];
  // RFC 4034's list sorts \001 < * < \200; with printable owners `~` (0x7e) stands in for \200.
  const shuffled = [...expected].reverse();
  assert.deepEqual(shuffled.sort(compareCanonicalNames), expected);
});

Deno.test("compareCanonicalNames() puts a name before its descendants and a label prefix first", () => {
  assert.ok(compareCanonicalNames("b.example", "a.b.example") < 0);
  assert.ok(compareCanonicalNames("ab.example", "abc.example") < 0);
  assert.ok(compareCanonicalNames("", "example") < 0);
  assert.equal(compareCanonicalNames("x.example", "x.example"), 0);
  // The parent's next sibling sorts after every descendant of the parent.
  assert.ok(compareCanonicalNames("z.b.example", "c.example") < 0);
});
