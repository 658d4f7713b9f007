import assert from "node:assert/strict";
import { urlHostname, urlSplit, validateHeartbeatEndpoint } from "./heartbeat_endpoint.ts";

// [endpoint, accepted] as computed by the reference `_validate_endpoint` logic under CPython
// (urlsplit + ipaddress), except the rows marked "stricter", where we refuse what Python accepts
// (hosts a URL parser reads as a non-public or non-canonical IPv4 address; issue 12 finding 12).
// Python-version-dependent rows are tested separately below.
const PYTHON_TABLE: Array<[string, boolean]> = [
  ["https://dnsmesh.de", true],
  ["https://dnsmesh.de/", false],
  ["https://dnsmesh.de?", true],
  ["https://dnsmesh.de#", true],
  ["https://dnsmesh.de?x", false],
  ["https://dnsmesh.de:8443", true],
  ["https://dnsmesh.de:", true],
  ["https://dnsmesh.de:abc", true],
  ["HTTPS://DNSMESH.DE", true],
  ["Http://x", true],
  ["ftp://x", false],
  ["https:x", false],
  ["https:/x", false],
  ["https:///x", false],
  ["//x", false],
  ["x", false],
  ["https://", false],
  ["https://:80", false],
  ["https://@x", false],
  ["https://u:p@x", false],
  ["https://x@", false],
  ["http://localhost", false],
  ["http://LOCALHOST.localdomain", false],
  ["http://ip6-localhost:1", false],
  ["http://localhost.", true],
  ["http://127.0.0.1", false],
  ["http://127.1", false], // stricter: 127.0.0.1 to URL parsers (issue 12)
  ["http://0x7f000001", false], // stricter, as above
  ["http://2130706433", false], // stricter, as above
  ["http://8.8.8.8", true],
  ["http://8.8.8.08", false], // stricter: invalid IPv4 to URL parsers
  ["http://8.8.8.256", false], // stricter, as above
  ["http://1.2.3.4.5", false], // stricter, as above
  ["http://0.0.0.0", false],
  ["http://0.1.2.3", false],
  ["http://10.0.0.1", false],
  ["http://100.64.0.1", false], // stricter: CGNAT (RFC 6598)
  ["http://169.254.1.1", false],
  ["http://172.16.0.1", false],
  ["http://172.32.0.1", true],
  ["http://192.0.2.1", false],
  ["http://192.168.1.1", false],
  ["http://198.18.0.1", false],
  ["http://198.51.100.7", false],
  ["http://203.0.113.7", false],
  ["http://224.0.0.1", false],
  ["http://239.255.255.255", false],
  ["http://240.0.0.1", false],
  ["http://255.255.255.255", false],
  ["http://1.1.1.1", true],
  ["http://[::1]", false],
  ["http://[::]", false],
  ["http://[::1]:80", false],
  ["http://[::1]x", false],
  ["http://[::1", false],
  ["http://::1]", false],
  ["http://x[::1]", false],
  ["http://[2606:4700:4700::1111]", true],
  ["http://[2606:4700:4700::1111]:443", true],
  ["http://[2001:db8::1]", false],
  ["http://[fe80::1]", false],
  ["http://[fe80::1%25eth0]", false],
  ["http://[fc00::1]", false],
  ["http://[fd12:3456::1]", false],
  ["http://[ff02::1]", false],
  ["http://[::ffff:8.8.8.8]", false],
  ["http://[::ffff:127.0.0.1]", false],
  ["http://[64:ff9b::8.8.8.8]", false],
  ["http://[fec0::1]", false], // stricter: site-local (RFC 3879)
  ["http://[1.2.3.4]", false],
  ["http://[v1.x]", true],
  ["http://[V1.x]", false],
  ["http://[v1.]", false],
  ["http://[vz.x]", false],
  ["http://[::1::2]", false],
  ["http://[1:2:3:4:5:6:7:8]", false],
  ["http://[1:2:3:4:5:6:7:8:9]", false],
  ["http://[1:2:3:4:5:6:7]", false],
  ["http://[1::2:3:4:5:6:7:8]", false],
  ["http://[2607:f8b0::12345]", false],
  ["http://[2607:f8b0::1:2.3.4.5]", true],
  ["http://[2a00:1450:4001:830::200e]", true],
  ["http://[::]:80", false],
  ["http://a.b.c", true],
  ["http://xn--bcher-kva.example", true],
  ["http://dmp.example.com\\x", true],
  ["http://a;b", true],
  ["http://a%2Fb", false], // stricter: percent-encoded host
];

Deno.test("heartbeat endpoint: the Python reference's edge-case table, stricter where marked", () => {
  for (const [endpoint, accepted] of PYTHON_TABLE) {
    const reason = validateHeartbeatEndpoint(endpoint);
    assert.equal(reason === null, accepted, `${endpoint}: ${reason}`);
  }
});

Deno.test("heartbeat endpoint: version-dependent cases take the stricter (newer CPython) side", () => {
  // CPython >= 3.12.4 counts 2002::/16 (6to4) as private; 3.11 did not.
  assert.notEqual(validateHeartbeatEndpoint("http://[2002::1]"), null);
  // Newer urlsplit refuses data between "]" and the port; 3.11 ignored it.
  assert.notEqual(validateHeartbeatEndpoint("https://[2606:4700::1111]junk"), null);
  // IPv4-mapped addresses are refused regardless of the mapped address.
  assert.notEqual(validateHeartbeatEndpoint("https://[::ffff:8.8.8.8]"), null);
});

Deno.test("heartbeat endpoint: every spelling of a non-public IPv4 host is refused (issue 12 #12)", () => {
  for (
    const host of [
      "2130706433",
      "0x7f000001",
      "0X7F000001",
      "127.1",
      "0177.0.0.1",
      "0177.1",
      "127.0.0.1.",
      "0x7f.0.0.1",
      "0x7f.1",
      "017700000001",
      "100.64.0.1",
      "100.127.255.254",
      "1681915905", // 100.64.0.1
      "10.1",
      "192.168.0x1.1",
      "169.254.169.254",
      "2852039166", // 169.254.169.254
      "0",
      "0x",
      "%31%32%37.0.0.1",
      "[::ffff:7f00:1]",
      "[0:0:0:0:0:ffff:127.0.0.1]",
      "[::127.0.0.1]",
      "[64:ff9b::127.0.0.1]",
      "[64:ff9b::a00:1]",
      "[fe80::1]",
      "[fd00::1]",
      "[::1]",
    ]
  ) {
    for (const port of ["", ":443"]) {
      const endpoint = `https://${host}${port}`;
      assert.notEqual(validateHeartbeatEndpoint(endpoint), null, endpoint);
    }
  }
  // A public address in a non-canonical spelling is refused; dotted decimal and names pass.
  assert.equal(validateHeartbeatEndpoint("https://134744072"), "endpoint IPv4 not dotted-decimal");
  assert.equal(validateHeartbeatEndpoint("https://8.8.8.8"), null);
  assert.equal(validateHeartbeatEndpoint("https://node1.example"), null);
  assert.equal(validateHeartbeatEndpoint("https://1x.example"), null);
  assert.equal(validateHeartbeatEndpoint("https://[2606:4700:4700::1111]:443"), null);
});

Deno.test("heartbeat endpoint: length, ASCII and control-character rules", () => {
  assert.equal(validateHeartbeatEndpoint("https://" + "a".repeat(247)), null);
  assert.notEqual(validateHeartbeatEndpoint("https://" + "a".repeat(248)), null);
  assert.notEqual(validateHeartbeatEndpoint("https://bücher.example"), null);
  assert.notEqual(validateHeartbeatEndpoint("https://a\tb.example"), null);
  assert.notEqual(validateHeartbeatEndpoint("https://ab.example\u007f"), null);
  assert.notEqual(validateHeartbeatEndpoint(""), null);
});

Deno.test("urlSplit/urlHostname mirror urllib.parse", () => {
  assert.deepEqual(urlSplit("HTTPS://Host:1/p?q#f"), {
    scheme: "https",
    netloc: "Host:1",
    path: "/p",
    query: "q",
    fragment: "f",
  });
  assert.equal(urlSplit("http://[::1"), null);
  assert.equal(urlHostname("User@[FE80::1%EtH0]:80"), "fe80::1%EtH0");
  assert.equal(urlHostname("Example.COM:443"), "example.com");
  assert.equal(urlHostname(":443"), null);
});
