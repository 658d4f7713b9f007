import assert from "node:assert/strict";
import { canonicalName, encodeName, isInZone, nameToLabels, nameWireLength } from "./name.ts";

/** The wire form built from {@linkcode nameToLabels}: what the escape-free fast path must equal. */
function viaLabels(name: string): number[] | null {
  const labels = nameToLabels(name);
  if (!labels) return null;
  const out: number[] = [];
  for (const l of labels) out.push(l.length, ...l);
  out.push(0);
  return out;
}

const NAMES = [
  "",
  ".",
  "a",
  "a.",
  "Mb-3f2a.Slot-7.Mesh.Example.",
  "id-123.upd.test",
  "*.wild.test",
  "a\\.b.test",
  "\\065bc.test",
  "x".repeat(63) + ".test",
  ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join("."),
];

const INVALID = [
  "..",
  "a..b",
  ".a",
  "x".repeat(64) + ".test",
  ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(62)].join("."),
  "caf\u00e9.test",
  "trailing\\",
];

Deno.test("encodeName writes what the label path writes, escapes or not", () => {
  for (const name of NAMES) {
    const expected = viaLabels(name);
    if (!expected) throw new Error(`fixture ${name} should be valid`);
    const buf = new Uint8Array(300).fill(0xee);
    const end = encodeName(buf, 3, name);
    assert.deepEqual([...buf.subarray(3, end)], expected, name);
    assert.deepEqual(nameWireLength(name), expected.length, name);
    assert.deepEqual(buf[end], 0xee, `${name}: nothing written past the name`);
  }
});

Deno.test("encodeName refuses invalid names and nameWireLength says -1 for them", () => {
  for (const name of INVALID) {
    assert.deepEqual(viaLabels(name), null, name);
    assert.deepEqual(nameWireLength(name), -1, name);
    assert.throws(() => encodeName(new Uint8Array(300), 0, name), RangeError);
  }
});

Deno.test("encodeName into a buffer too small throws instead of truncating", () => {
  assert.throws(() => encodeName(new Uint8Array(4), 0, "abcdef.test"), RangeError);
});

Deno.test("canonicalName lower-cases ASCII only and drops one unescaped trailing dot (RFC 4343)", () => {
  assert.equal(canonicalName("a.example"), "a.example");
  assert.equal(canonicalName("a.example."), "a.example");
  assert.equal(canonicalName("A.eXample.COM."), "a.example.com");
  assert.equal(canonicalName("Z.AZ@[`"), "z.az@[`", "only A-Z change: @ [ ` are their neighbours");
  assert.equal(canonicalName("Ä.é.B"), "Ä.é.b", "not ASCII: left as it is");
  assert.equal(canonicalName("dot\\."), "dot\\.", "an escaped dot stays");
  assert.equal(canonicalName("."), "");
});

Deno.test("isInZone: the zone itself and names below it, never a name that only ends alike", () => {
  assert.ok(isInZone("example.com", "example.com"));
  assert.ok(isInZone("a.example.com", "example.com"));
  assert.ok(isInZone("b.a.example.com", "example.com"));
  assert.ok(isInZone("anything", ""));
  assert.ok(!isInZone("xexample.com", "example.com"));
  assert.ok(!isInZone("a.example.org", "example.com"));
  assert.ok(!isInZone("com", "example.com"));
  assert.ok(!isInZone("example.co", "example.com"));
  assert.ok(!isInZone("aexample.com", "a.example.com"));
});
