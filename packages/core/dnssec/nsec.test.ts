import assert from "node:assert/strict";
import { blackLieNsec, typeBitmap } from "./nsec.ts";

Deno.test("typeBitmap() writes windows as RFC 4034 §4.3's example does", () => {
  // A MX RRSIG NSEC TYPE1234 → window 0 (6 octets) and window 4 (27 octets).
  const b = typeBitmap([1, 15, 46, 47, 1234]);
  assert.deepEqual([...b.subarray(0, 8)], [0, 6, 0x40, 0x01, 0, 0, 0, 0x03]);
  assert.equal(b[8], 4);
  assert.equal(b[9], 27);
  assert.equal(b[9 + 27], 0x20);
  assert.equal(b.length, 8 + 2 + 27);
  // Order and repetition do not matter; no types, no windows.
  assert.deepEqual([...typeBitmap([1234, 47, 15, 1, 46, 15])], [...b]);
  assert.equal(typeBitmap([]).length, 0);
  assert.deepEqual([...typeBitmap([65535])], [255, 32, ...Array(31).fill(0), 1]);
});

Deno.test("blackLieNsec() names the immediate successor and lists NXNAME (RFC 9824)", () => {
  const r = blackLieNsec("a.Example", [46, 47, 128]);
  // \000.a.example, then window 0 with 17 octets.
  assert.deepEqual(
    [...r.subarray(0, 13)],
    [1, 0, 1, 97, 7, ..."example", 0].map((c) => typeof c === "string" ? c.charCodeAt(0) : c),
  );
  assert.deepEqual([...r.subarray(13, 15)], [0, 17]);
  assert.equal(r[15 + 16], 0x80);
});

Deno.test("blackLieNsec() keeps the next name within 255 octets for a maximal owner", () => {
  // 4 labels of 63 octets minus one: 254 octets on the wire.
  const owner = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(60)].join(".");
  const r = blackLieNsec(owner, [46, 47, 128]);
  const nextLength = 254;
  assert.equal(r.length, nextLength + 2 + 17);
  assert.equal(r[63], "b".charCodeAt(0)); // the first label's last octet, 'a' + 1
});
