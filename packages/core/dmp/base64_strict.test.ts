import assert from "node:assert/strict";
import { decodeBase64Lenient } from "./base64_lenient.ts";
import { decodeBase64Strict, encodeBase64 } from "./base64_strict.ts";
import { bytesToHex } from "./hex.ts";

// [input, strict result hex | null, lenient result hex | null]. Lenient column and the strict
// column were produced with CPython (`b64decode(s)` / `b64decode(s, validate=True)`); the
// strict rows marked "3.12.4+" differ from CPython 3.11 (which tolerated surplus '=').
const TABLE: Array<[string, string | null, string | null]> = [
  ["", "", ""],
  ["=", null, ""],
  ["==", null, ""],
  ["QQ==", "41", "41"],
  ["QQ=", null, null],
  ["QQ", null, null],
  ["Q", null, null],
  ["QR==", "41", "41"], // non-canonical trailing bits accepted
  ["QUI=", "4142", "4142"],
  ["QUJ=", "4142", "4142"],
  ["QU==", "41", "41"],
  ["QUI", null, null],
  ["QUI==", null, "4142"],
  ["QUJD", "414243", "414243"],
  ["QUJD=", null, "414243"], // 3.12.4+: excess padding
  ["QUJD==", null, "414243"], // 3.12.4+: excess padding
  ["QUJD===", null, "414243"],
  ["QU JD", null, "414243"],
  ["QUJD\n", null, "414243"],
  ["Q=Q=", null, null],
  ["QQ==QQ==", null, "41"],
  ["QUI=QQ==", null, "4142"],
  ["-_-_", null, ""],
  ["QUJDRA==", "41424344", "41424344"],
  ["QUJDRA=", null, null],
  ["QUJDRE==", "41424344", "41424344"],
  ["QUJDREU=", "4142434445", "4142434445"],
  ["QUJDREVG", "414243444546", "414243444546"],
  ["AAAA", "000000", "000000"],
  ["////", "ffffff", "ffffff"],
  ["++++", "fbefbe", "fbefbe"],
  ["Q===", null, null],
  ["é", null, null],
  ["QUJDé", null, null],
];

Deno.test("base64: strict and lenient decode match CPython on the edge-case table", () => {
  for (const [input, strict, lenient] of TABLE) {
    const s = decodeBase64Strict(input);
    assert.equal(s === null ? null : bytesToHex(s), strict, `strict ${JSON.stringify(input)}`);
    const l = decodeBase64Lenient(input);
    assert.equal(l === null ? null : bytesToHex(l), lenient, `lenient ${JSON.stringify(input)}`);
  }
});

Deno.test("base64: encode matches btoa and round-trips through the strict decoder", () => {
  let x = 12345;
  for (let len = 0; len < 200; len++) {
    const bytes = new Uint8Array(len);
    for (let i = 0; i < len; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    const enc = encodeBase64(bytes);
    assert.equal(enc, btoa(String.fromCharCode(...bytes)));
    assert.deepEqual(decodeBase64Strict(enc), bytes);
    assert.deepEqual(decodeBase64Lenient(enc), bytes);
  }
});

Deno.test("base64: decoders never throw on arbitrary strings", () => {
  let x = 99;
  const alphabet = "AZaz09+/=-_ \n\té\u0000\ud800";
  for (let i = 0; i < 5000; i++) {
    let s = "";
    const len = (x = (x * 1103515245 + 12345) >>> 0) % 24;
    for (let j = 0; j < len; j++) {
      s += alphabet[(x = (x * 1103515245 + 12345) >>> 0) % alphabet.length];
    }
    const r = decodeBase64Strict(s);
    assert.ok(r === null || r instanceof Uint8Array);
    const l = decodeBase64Lenient(s);
    assert.ok(l === null || l instanceof Uint8Array);
    // Anything strict accepts, lenient decodes identically.
    if (r !== null) assert.deepEqual(l, r);
  }
  // @ts-expect-error: runtime robustness against non-strings
  assert.equal(decodeBase64Strict(undefined), null);
});
