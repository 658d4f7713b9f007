import assert from "node:assert/strict";
import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";
import { parseIpLiteral } from "../dmp/ip_literal.ts";
import { addressPrefixHash } from "./address_prefix.ts";
import { seededRandom } from "../../../tests/_support/seeded_random.ts";

/** The expected hash, from the (allocating, independent) bigint parser. */
function expected(text: string, v4Bits: number, v6Bits: number): number {
  const ip = parseIpLiteral(text);
  assert.ok(ip, text);
  const size = ip.version === 4 ? 4 : 16;
  const b: number[] = [];
  for (let i = size - 1; i >= 0; i--) b.push(Number((ip.value >> BigInt(i * 8)) & 0xffn));
  const bits = ip.version === 4 ? v4Bits : v6Bits;
  let h = fnv1aStep(FNV1A_START, ip.version);
  for (let i = 0; i < bits >> 3; i++) h = fnv1aStep(h, b[i]);
  if (bits & 7) h = fnv1aStep(h, b[bits >> 3] & (0xff << (8 - (bits & 7))) & 0xff);
  return h >>> 0;
}

function formatV6(groups: number[], compress: boolean): string {
  const hex = groups.map((g) => g.toString(16));
  if (!compress) return hex.join(":");
  // Longest run of zero groups becomes "::" (RFC 5952 §4.2.3).
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (bestLen < 2) return hex.join(":");
  return hex.slice(0, best).join(":") + "::" + hex.slice(best + bestLen).join(":");
}

Deno.test("IPv4 and IPv6 prefixes hash like the bigint parser says, in every text form", () => {
  const rand = seededRandom(7);
  for (let n = 0; n < 2000; n++) {
    const v4 = [0, 1, 2, 3].map(() => Math.floor(rand() * 256)).join(".");
    assert.equal(addressPrefixHash(v4, 24, 56), expected(v4, 24, 56), v4);
    const groups = Array.from({ length: 8 }, () => {
      const r = rand();
      return r < 0.4 ? 0 : Math.floor(rand() * 65536);
    });
    for (const text of [formatV6(groups, true), formatV6(groups, false)]) {
      const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
      if (isMapped) continue;
      assert.equal(addressPrefixHash(text, 24, 56), expected(text, 24, 56), text);
      assert.equal(addressPrefixHash(text, 24, 64), expected(text, 24, 64), text);
    }
  }
});

Deno.test("one prefix, one key: /24 and /56 group addresses; neighbours differ", () => {
  const h = (a: string) => addressPrefixHash(a, 24, 56);
  assert.equal(h("198.51.100.1"), h("198.51.100.254"));
  assert.notEqual(h("198.51.100.1"), h("198.51.101.1"));
  assert.equal(h("2001:db8:1:ff00::1"), h("2001:db8:1:ffab:1:2:3:4"));
  assert.notEqual(h("2001:db8:1:ff00::1"), h("2001:db8:1:fe00::1"));
  assert.equal(h("2001:db8::1"), h("2001:0db8:0000:0000:0000:0000:0000:0002"));
  // A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6.
  assert.equal(h("::ffff:198.51.100.7"), h("198.51.100.1"));
  assert.equal(h("::ffff:c633:6407"), h("198.51.100.1"));
  assert.equal(h("fe80::1%eth0"), h("fe80::2"));
  assert.equal(h("::"), expected("::", 24, 56));
  assert.equal(h("1::"), expected("1::", 24, 56));
  assert.equal(h("::1.2.3.4"), expected("::1.2.3.4", 24, 56));
});

Deno.test("text that is not an address still gets a key of its own", () => {
  const h = (a: string) => addressPrefixHash(a, 24, 56);
  for (const bad of ["", "doh", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1::2::3", ":1::", "12345::"]) {
    assert.equal(typeof h(bad), "number");
  }
  assert.notEqual(h("1.2.3"), h("1.2.3.4"));
  assert.notEqual(h("doh"), h("doh2"));
});
