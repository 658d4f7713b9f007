import assert from "node:assert/strict";
import { BAD_HOST_NAMES } from "./testdata/invalid_values.ts";
import { canonicalHostName } from "./host_name.ts";

Deno.test("canonicalHostName() folds case, trims and drops one trailing dot", () => {
  assert.equal(canonicalHostName("NS1.Example.COM."), "ns1.example.com");
  assert.equal(canonicalHostName(" _dmarc.example.com "), "_dmarc.example.com");
  assert.equal(canonicalHostName("localhost"), "localhost");
  assert.equal(canonicalHostName("a".repeat(63) + ".example"), "a".repeat(63) + ".example");
  const longest = ("a".repeat(63) + ".").repeat(3) + "a".repeat(61);
  assert.equal(longest.length, 253);
  assert.equal(canonicalHostName(longest), longest);
});

Deno.test("canonicalHostName() refuses empty labels, bad characters and overlong names", () => {
  for (const bad of BAD_HOST_NAMES) assert.equal(canonicalHostName(bad), null, bad);
});
