import assert from "node:assert/strict";
import { isNodataResponse } from "./nodata_response.ts";

function header(flags2: number, flags3: number, ancount: number): Uint8Array {
  return new Uint8Array([
    0x12,
    0x34,
    flags2,
    flags3,
    0,
    1,
    ancount >> 8,
    ancount & 0xff,
    0,
    1,
    0,
    0,
  ]);
}

Deno.test("isNodataResponse() is true only for NOERROR, AA=1, ANCOUNT=0", () => {
  assert.equal(isNodataResponse(header(0x84, 0x00, 0)), true);
  // an answer with data
  assert.equal(isNodataResponse(header(0x84, 0x00, 1)), false);
  assert.equal(isNodataResponse(header(0x84, 0x00, 256)), false);
  // NXDOMAIN carries no answer either, but is not NODATA
  assert.equal(isNodataResponse(header(0x84, 0x03, 0)), false);
  // a referral: AA=0
  assert.equal(isNodataResponse(header(0x80, 0x00, 0)), false);
  // truncated input is not a response
  assert.equal(isNodataResponse(new Uint8Array(11)), false);
});
