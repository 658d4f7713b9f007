import assert from "node:assert/strict";
import { encodeTxtRdata } from "./rdata.ts";
import { encodeTxtRdataSplit, txtSplitOf, txtSplitOfLengths } from "./txt_split.ts";

Deno.test("txtSplitOf: canonical splits (DMP values, single strings) are empty", () => {
  for (const n of [0, 1, 254, 255, 256, 510, 2048]) {
    assert.equal(txtSplitOf(encodeTxtRdata("x".repeat(n))), "", `${n} bytes`);
  }
});

Deno.test("txtSplitOf / encodeTxtRdataSplit round-trip an operator's multi-string TXT", () => {
  const rdata = new Uint8Array([9, ...new TextEncoder().encode("part one "), 0, 3, 1, 2, 3]);
  const split = txtSplitOf(rdata);
  assert.equal(split, "9,0,3");
  const value = "part one \u0001\u0002\u0003";
  assert.deepEqual(encodeTxtRdataSplit(value, split), rdata);
  // Two 255-byte strings then a short one is canonical; 200 + 300 is not expressible that way.
  assert.equal(txtSplitOf(encodeTxtRdataSplit("y".repeat(400), "200,200")), "200,200");
});

Deno.test("encodeTxtRdataSplit falls back to the canonical split when the split does not fit", () => {
  const canonical = encodeTxtRdata("abc");
  for (const bad of ["1,1", "4", "256", "a,b", "-1,4", "1.5,1.5"]) {
    assert.deepEqual(encodeTxtRdataSplit("abc", bad), canonical, bad);
  }
  // Byte lengths, not characters: a split inside a multi-byte character is kept as sent.
  assert.deepEqual(encodeTxtRdataSplit("é", "1,1"), new Uint8Array([1, 0xc3, 1, 0xa9]));
});

Deno.test("txtSplitOfLengths agrees with txtSplitOf on the same strings", () => {
  for (const lengths of [[1], [255], [255, 1], [255, 255, 7], [9, 8], [254, 3], [255, 0], [0]]) {
    const rdata = new Uint8Array(lengths.reduce((n, l) => n + 1 + l, 0));
    let p = 0;
    for (const l of lengths) {
      rdata[p] = l;
      rdata.fill(0x61, p + 1, p + 1 + l);
      p += 1 + l;
    }
    assert.equal(txtSplitOfLengths(lengths), txtSplitOf(rdata), lengths.join(","));
  }
  assert.equal(txtSplitOfLengths([9, 8]), "9,8");
});
