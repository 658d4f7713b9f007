import assert from "node:assert/strict";
import { BAD_IPV6 } from "./testdata/invalid_values.ts";
import { canonicalIpv6, formatIpv6, parseIpv6 } from "./ipv6.ts";

Deno.test("parseIpv6() accepts the RFC 4291 §2.2 text forms", () => {
  const cases: [string, string][] = [
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["2001:DB8:0:0:8:800:200C:417A", "2001:db8::8:800:200c:417a"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
    ["::13.1.68.3", "::d01:4403"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"],
  ];
  for (const [text, canonical] of cases) {
    const b = parseIpv6(text);
    assert.ok(b, text);
    assert.equal(formatIpv6(b), canonical, text);
    assert.equal(canonicalIpv6(text), canonical, text);
  }
  assert.deepEqual(
    parseIpv6("::ffff:192.0.2.1")!.slice(10),
    new Uint8Array([0xff, 0xff, 192, 0, 2, 1]),
  );
});

Deno.test("parseIpv6() refuses :::, extra groups, zone ids, prefixes and bad IPv4 tails", () => {
  for (const bad of BAD_IPV6) assert.equal(parseIpv6(bad), null, JSON.stringify(bad));
});
