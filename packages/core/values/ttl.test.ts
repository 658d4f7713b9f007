import assert from "node:assert/strict";
import { isTtlSeconds, MAX_TTL, parseTtl } from "./ttl.ts";

Deno.test("parseTtl() reads seconds and unit groups", () => {
  assert.equal(parseTtl("0"), 0);
  assert.equal(parseTtl("3600"), 3600);
  assert.equal(parseTtl("1h30m"), 5400);
  assert.equal(parseTtl("1W2d"), 604800 + 2 * 86400);
  assert.equal(parseTtl(String(MAX_TTL)), MAX_TTL);
});

Deno.test("parseTtl() refuses words, signs, fractions and values past 2^31-1", () => {
  for (
    const bad of ["", "abc", "-1", "+5", "1.5", "1e3", "0x10", "1h 30m", "h", "2147483648", "69y"]
  ) {
    assert.equal(parseTtl(bad), null, bad);
  }
  assert.equal(parseTtl("9999999999w"), null);
  assert.equal(parseTtl("99999999999"), null);
});

Deno.test("isTtlSeconds() bounds JSON TTLs", () => {
  assert.ok(isTtlSeconds(0) && isTtlSeconds(MAX_TTL));
  assert.ok(!isTtlSeconds(-1) && !isTtlSeconds(MAX_TTL + 1) && !isTtlSeconds(0.5));
});
