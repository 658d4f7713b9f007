import assert from "node:assert/strict";
import { urlHostname, urlSplit, validateHeartbeatEndpoint } from "./heartbeat_endpoint.ts";

// [endpoint, accepted] as computed by the reference `_validate_endpoint` logic under CPython
// (urlsplit + ipaddress). Python-version-dependent rows are tested separately below.
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
  ["http://127.1", true],
  ["http://0x7f000001", true],
  ["http://2130706433", true],
  ["http://8.8.8.8", true],
  ["http://8.8.8.08", true],
  ["http://8.8.8.256", true],
  ["http://1.2.3.4.5", true],
  ["http://0.0.0.0", false],
  ["http://0.1.2.3", false],
  ["http://10.0.0.1", false],
  ["http://100.64.0.1", true],
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
  ["http://[fec0::1]", true],
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
  ["http://a%2Fb", true],
];

Deno.test("heartbeat endpoint: agrees with the Python reference on the edge-case table", () => {
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
