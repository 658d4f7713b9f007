import assert from "node:assert/strict";
import { cidrContains, formatCidr, parseCidr } from "./cidr.ts";

Deno.test("parseCidr() reads v4 and v6 prefixes and bare addresses as host prefixes", () => {
  assert.deepEqual(parseCidr("192.0.2.0/24"), { bytes: new Uint8Array([192, 0, 2, 0]), bits: 24 });
  assert.equal(parseCidr("192.0.2.7")?.bits, 32);
  assert.equal(parseCidr("2001:db8::/32")?.bits, 32);
  assert.equal(parseCidr("::1")?.bits, 128);
  assert.equal(parseCidr("0.0.0.0/0")?.bits, 0);
});

Deno.test("parseCidr() refuses host bits, bad lengths and non-addresses", () => {
  for (
    const bad of [
      "192.0.2.1/24",
      "192.0.2.0/33",
      "2001:db8::/129",
      "192.0.2.0/",
      "192.0.2.0/-1",
      "192.0.2.0/08x",
      "example.com/24",
      "",
      "1.2.3/8",
    ]
  ) {
    assert.equal(parseCidr(bad), null, bad);
  }
});

Deno.test("formatCidr() gives one spelling per network", () => {
  assert.equal(formatCidr(parseCidr("2001:0DB8:0000::/32")!), "2001:db8::/32");
  assert.equal(formatCidr(parseCidr("10.0.0.0/8")!), "10.0.0.0/8");
});

Deno.test("cidrContains() matches inside the prefix only, v4-mapped peers as v4", () => {
  const v4 = parseCidr("192.0.2.128/25")!;
  assert.ok(cidrContains(v4, "192.0.2.200"));
  assert.ok(cidrContains(v4, "::ffff:192.0.2.200"));
  assert.ok(!cidrContains(v4, "192.0.2.127"));
  assert.ok(!cidrContains(v4, "::192.0.2.200"));
  assert.ok(!cidrContains(v4, "garbage"));
  const v6 = parseCidr("2001:db8::/32")!;
  assert.ok(cidrContains(v6, "2001:db8:ffff::1"));
  assert.ok(!cidrContains(v6, "2001:db9::1"));
  assert.ok(!cidrContains(v6, "192.0.2.1"));
  assert.ok(cidrContains(parseCidr("0.0.0.0/0")!, "203.0.113.9"));
});
