import assert from "node:assert/strict";
import {
  codePointLength,
  decodeUtf8Strict,
  encodeUtf8,
  hasControlOrSpace,
  isAscii,
  utf8ByteLength,
} from "./utf8.ts";

Deno.test("utf8: strict decode keeps a BOM and rejects invalid sequences like Python", () => {
  assert.equal(decodeUtf8Strict(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)), "\ufeffa");
  for (
    const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0xf4, 0x90, 0x80, 0x80]]
  ) {
    assert.equal(decodeUtf8Strict(Uint8Array.from(bad)), null, JSON.stringify(bad));
  }
  assert.equal(decodeUtf8Strict(encodeUtf8("zöne 😀")), "zöne 😀");
});

Deno.test("utf8: helper predicates", () => {
  assert.equal(codePointLength("a😀"), 2);
  assert.ok(isAscii("abc~\u007f"));
  assert.equal(isAscii("é"), false);
  assert.ok(hasControlOrSpace("a b"));
  assert.ok(hasControlOrSpace("a\u007f"));
  assert.equal(hasControlOrSpace("a.b-c"), false);
});

Deno.test("utf8ByteLength equals the encoded length: ASCII, 2-, 3- and 4-byte, lone surrogates", () => {
  const samples = [
    "",
    "plain ascii",
    "caf\u00e9",
    "\u20ac and \u4e2d\u6587",
    "\u{1f600} astral",
    "lone \ud800 high",
    "lone \udc00 low",
    "\ud800",
    "\ud83d\ude00\ud83d",
    "x".repeat(300) + "\u00ff",
  ];
  for (const s of samples) assert.equal(utf8ByteLength(s), encodeUtf8(s).length, JSON.stringify(s));
});
