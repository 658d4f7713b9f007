import assert from "node:assert/strict";
import { TYPE } from "./constants.ts";
import { encodeRdata, rdataToValue } from "./rdata.ts";
import { encodeLoc, locToValue } from "./loc.ts";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("loc: RFC 1876 §4 examples encode and print canonically", () => {
  // Wire values computed by hand from §2: size/precision bytes are mantissa×10^exponent cm,
  // angles 2^31 ± thousandths of arc seconds, altitude cm + 10,000,000.
  for (
    const [value, canonical, wire] of [
      [
        "42 21 54 N 71 06 18 W -24m 30m",
        "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m",
        "00331613" + "89172dd0" + "70be15f0" + "00988d20",
      ],
      [
        "42 21 43.952 N 71 5 6.344 W -24m 1m 200m",
        "42 21 43.952 N 71 5 6.344 W -24.00m 1m 200m 10m",
        "00122413" + "89170690" + "70bf2dd8" + "00988d20",
      ],
      [
        "52 14 05 N 00 08 50 E 10m",
        "52 14 5.000 N 0 8 50.000 E 10.00m 1m 10000m 10m",
        "00121613" + "8b3556c8" + "80081650" + "00989a68",
      ],
      [
        "32 7 19 S 116 2 25 E 10m",
        "32 7 19.000 S 116 2 25.000 E 10.00m 1m 10000m 10m",
        "00121613" + "791b7d28" + "98e64868" + "00989a68",
      ],
    ]
  ) {
    const r = encodeLoc(value);
    assert.ok(r.ok, r.ok ? "" : r.error);
    assert.equal(hex(r.rdata), wire, value);
    assert.equal(locToValue(r.rdata), canonical);
    assert.equal(rdataToValue(TYPE.LOC, encodeRdata(TYPE.LOC, canonical)!), canonical);
  }
});

Deno.test("loc: bad values are refused with the field named", () => {
  for (
    const [value, error] of [
      ["91 N 0 E 0", "LOC latitude: out of range"],
      ["10 60 N 0 E 0", "LOC latitude: out of range"],
      ["10 X 0 E 0", 'LOC latitude: "X" is not a number'],
      ["10 N 0 0", "LOC longitude: expected degrees [minutes [seconds]] E|W"],
      ["10 N 181 E 0", "LOC longitude: out of range"],
      ["10 N 0 E high", "LOC altitude: expected metres -100000..42849672.95"],
      ["10 N 0 E 0 1m 2m 3m 4m", 'unexpected extra field "4m"'],
    ]
  ) {
    assert.deepEqual(encodeLoc(value), { ok: false, error }, value);
  }
});

Deno.test("loc: malformed wire RDATA decodes to null", () => {
  assert.equal(locToValue(new Uint8Array(15)), null, "short");
  assert.equal(locToValue(Uint8Array.of(1, ...new Uint8Array(15))), null, "version 1");
  assert.equal(locToValue(Uint8Array.of(0, 0xa0, ...new Uint8Array(14))), null, "mantissa 10");
});
