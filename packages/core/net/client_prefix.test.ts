import assert from "node:assert/strict";
import { clientPrefix, UNKNOWN_CLIENT } from "./client_prefix.ts";

Deno.test("client prefixes keep the /24 of IPv4 and the /48 of IPv6, never host bits", () => {
  const cases: [string, string][] = [
    ["192.0.2.1", "192.0.2.0/24"],
    ["192.0.2.255", "192.0.2.0/24"],
    ["10.1.2.3", "10.1.2.0/24"],
    ["127.0.0.1", "127.0.0.0/24"],
    ["::ffff:203.0.113.200", "203.0.113.0/24"],
    ["2001:db8:1234:5678:9abc:def0:1234:5678", "2001:db8:1234::/48"],
    ["2001:DB8:1:FFFF::1", "2001:db8:1::/48"],
    ["fe80::1%eth0", "fe80::/48"],
    ["::1", "::/48"],
  ];
  for (const [address, want] of cases) assert.equal(clientPrefix(address), want, address);
});

Deno.test("text that is not an address is never echoed", () => {
  for (
    const bad of [
      "",
      "192.0.2",
      "192.0.2.1.5",
      "999.0.2.1",
      "host.example",
      "192.0.2.1\nevil",
      "<script>",
      "2001:db8::1::2",
    ]
  ) {
    assert.equal(clientPrefix(bad), UNKNOWN_CLIENT, JSON.stringify(bad));
  }
});
