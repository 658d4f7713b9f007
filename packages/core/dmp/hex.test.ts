import assert from "node:assert/strict";
import { bytesToHex, hexToBytes } from "./hex.ts";

Deno.test("hex: lower-case encode, case-insensitive decode, null on bad input", () => {
  assert.equal(bytesToHex(Uint8Array.of(0, 1, 0xab, 0xff)), "0001abff");
  assert.deepEqual(hexToBytes("0001ABff"), Uint8Array.of(0, 1, 0xab, 0xff));
  assert.deepEqual(hexToBytes(""), new Uint8Array(0));
  for (const bad of ["0", "0g", "zz", " 00", "00 ", "0x00", "ä0"]) {
    assert.equal(hexToBytes(bad), null, bad);
  }
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(hexToBytes(bytesToHex(all)), all);
});

Deno.test("hex: every byte value encodes as its two lower-case digits, in order", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  let expected = "";
  for (const b of all) expected += b.toString(16).padStart(2, "0");
  assert.equal(bytesToHex(all), expected);
  assert.deepEqual(hexToBytes(expected), all);
});
