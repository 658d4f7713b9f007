import assert from "node:assert/strict";
import { macPrefixEquals } from "./constant_time.ts";

Deno.test("macPrefixEquals compares the received prefix only", () => {
  const full = new Uint8Array([1, 2, 3, 4]);
  assert.equal(macPrefixEquals(full, full), true);
  assert.equal(macPrefixEquals(new Uint8Array([1, 2]), full), true);
  assert.equal(macPrefixEquals(new Uint8Array([1, 3]), full), false);
  assert.equal(macPrefixEquals(new Uint8Array([1, 2, 3, 4, 5]), full), false);
  assert.equal(macPrefixEquals(new Uint8Array(), full), true); // callers enforce minimum sizes
});
