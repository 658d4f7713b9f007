import assert from "node:assert/strict";
import { sortCanonical } from "./canonical_order.ts";

Deno.test("sortCanonical() orders RFC 4034 §6.1's example", () => {
  // RFC 4034's list, lower-cased; it sorts \001 < * < \200 below z.example.
  const expected = [
    "example",
    "a.example",
    "yljkjljk.a.example",
    "z.a.example",
    "zabc.a.example",
    "z.example",
    "\x01.z.example",
    "*.z.example",
    "\x80.z.example",
  ];
  assert.deepEqual(sortCanonical([...expected].reverse()), expected);
});

Deno.test("sortCanonical(): a name before its descendants, a label prefix first, by label not by text", () => {
  assert.deepEqual(sortCanonical(["a.b.example", "b.example"]), ["b.example", "a.b.example"]);
  assert.deepEqual(sortCanonical(["abc.example", "ab.example"]), ["ab.example", "abc.example"]);
  assert.deepEqual(sortCanonical(["example", ""]), ["", "example"]);
  // Text order would put "a-b" (0x2d) before "a.b"; label order compares "example" labels first.
  assert.deepEqual(sortCanonical(["c.example", "z.b.example", "a-b.example"]), [
    "a-b.example",
    "z.b.example",
    "c.example",
  ]);
  // The rightmost label decides first: "com" < "example", however deep the other name is.
  assert.deepEqual(sortCanonical(["z.z.example", "a.example.com"]), [
    "a.example.com",
    "z.z.example",
  ]);
});
