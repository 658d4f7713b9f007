import assert from "node:assert/strict";
import { BAD_IPV4 } from "./testdata/invalid_values.ts";
import { parseIpv4 } from "./ipv4.ts";

Deno.test("parseIpv4() accepts dotted quads 0-255 without leading zeros", () => {
  assert.deepEqual(parseIpv4("192.0.2.1"), new Uint8Array([192, 0, 2, 1]));
  assert.deepEqual(parseIpv4("0.0.0.0"), new Uint8Array([0, 0, 0, 0]));
  assert.deepEqual(parseIpv4("255.255.255.255"), new Uint8Array([255, 255, 255, 255]));
  assert.deepEqual(parseIpv4("10.100.0.9"), new Uint8Array([10, 100, 0, 9]));
});

Deno.test("parseIpv4() refuses out-of-range octets, leading zeros and short/numeric forms", () => {
  for (const bad of BAD_IPV4) assert.equal(parseIpv4(bad), null, JSON.stringify(bad));
});
