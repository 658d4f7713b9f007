import assert from "node:assert/strict";
import { isNonPublicIp, parseIpLiteral, parseIpv4, parseIpv6 } from "./ip_literal.ts";

Deno.test("ip literal: IPv4 parsing follows ipaddress.IPv4Address", () => {
  assert.equal(parseIpv4("8.8.4.4"), 0x08080404n);
  assert.equal(parseIpv4("255.255.255.255"), 0xffffffffn);
  for (
    const bad of [
      "8.8.8",
      "8.8.8.8.8",
      "8.8.8.08",
      "8.8.8.256",
      "8.8.8.",
      "0x8.8.8.8",
      "8.8.8.+8",
      "８.8.8.8",
    ]
  ) {
    assert.equal(parseIpv4(bad), null, bad);
  }
});

Deno.test("ip literal: IPv6 parsing follows ipaddress.IPv6Address", () => {
  assert.equal(parseIpv6("::"), 0n);
  assert.equal(parseIpv6("::1"), 1n);
  assert.equal(parseIpv6("1::"), 1n << 112n);
  assert.equal(parseIpv6("::ffff:1.2.3.4"), 0xffff01020304n);
  assert.equal(parseIpv6("fe80::1%eth0"), (0xfe80n << 112n) | 1n);
  assert.equal(parseIpv6("1:2:3:4:5:6:7:8"), 0x00010002000300040005000600070008n);
  assert.equal(parseIpv6("1:2:3:4:5:6:7::"), 0x00010002000300040005000600070000n);
  for (
    const bad of [
      "",
      ":",
      "::1::",
      "1::2::3",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2:3:4:5:6:7:8",
      ":1::2",
      "1::2:",
      "12345::",
      "g::",
      "fe80::1%",
      "fe80::1%a%b",
      "::1.2.3",
      "1.2.3.4",
      "::1/128",
    ]
  ) {
    assert.equal(parseIpv6(bad), null, bad);
  }
});

Deno.test("ip literal: non-public classification (loopback/private/link-local/multicast/reserved/unspecified)", () => {
  const nonPublic = [
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "127.0.0.1",
    "169.254.1.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.1",
    "192.0.2.1",
    "192.168.0.1",
    "198.18.0.1",
    "198.19.255.255",
    "198.51.100.1",
    "203.0.113.1",
    "224.0.0.1",
    "239.1.1.1",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:8.8.8.8",
    "64:ff9b:1::1",
    "100::1",
    "2001::1",
    "2001:db8::1",
    "2002::1",
    "3fff::1",
    "fc00::1",
    "fd00::1",
    "fe80::1",
    "fe80::1%eth0",
    "ff02::1",
    "200::1",
    "fe00::1",
    // Version-dependent in CPython (public in 3.13, private in 3.11): refused.
    "2001:3::1",
    "2001:20::1",
    "2001:1::1",
    "64:ff9b::8.8.8.8",
    // Stricter than every CPython (issue 12 #12): CGNAT, 6to4 relay anycast, site-local, and
    // NAT64 addresses embedding a non-public IPv4 address.
    "100.64.0.1",
    "100.127.255.255",
    "192.88.99.1",
    "fec0::1",
    "64:ff9b::127.0.0.1",
  ];
  const isPublic = [
    "1.1.1.1",
    "8.8.8.8",
    "172.32.0.1",
    "192.0.0.9",
    "192.0.0.10",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:830::200e",
    "2001:4860:4860::8888",
  ];
  for (const s of nonPublic) assert.equal(isNonPublicIp(parseIpLiteral(s)!), true, s);
  for (const s of isPublic) assert.equal(isNonPublicIp(parseIpLiteral(s)!), false, s);
});
