import assert from "node:assert/strict";
import { canonicalRecordValue } from "./record_value.ts";

Deno.test("canonicalRecordValue() reads every master-file type but SOA into canonical values", () => {
  const cases: [Parameters<typeof canonicalRecordValue>[0], string, string][] = [
    ["A", "192.0.2.1", "192.0.2.1"],
    ["AAAA", "2001:DB8:0::1", "2001:db8::1"],
    ["NS", "NS1.Example.com.", "ns1.example.com"],
    ["CNAME", "www.example.com", "www.example.com"],
    ["MX", "10 Mail.Example.com", "10 mail.example.com"],
    ["SRV", "0 5 5060 sip.example.com.", "0 5 5060 sip.example.com"],
    ["SRV", "0 0 0 .", "0 0 0 ."],
    ["CAA", '0 issue "ca.example"', "0 issue ca.example"],
    ["TXT", '"a b" c', "a bc"],
  ];
  for (const [type, text, value] of cases) {
    assert.deepEqual(canonicalRecordValue(type, text), { ok: true, value }, `${type} ${text}`);
  }
});

Deno.test("canonicalRecordValue() refuses bad syntax, bad targets and smuggled lines", () => {
  const cases: [Parameters<typeof canonicalRecordValue>[0], string, RegExp][] = [
    ["A", "01.2.3.4", /invalid IPv4 address/],
    ["AAAA", ":::", /invalid IPv6 address/],
    ["MX", "10", /MX record needs 2 RDATA field/],
    ["MX", "70000 mail.example", /larger than 65535/],
    ["MX", "10 @", /MX target "\.": expected a domain name/],
    ["NS", "a\\032b.example", /NS target .*: expected a domain name/],
    ["CNAME", "-x.example", /CNAME target "-x\.example"/],
    ["SRV", "1 2 3", /SRV record needs 4/],
    ["CAA", "0 bad-tag x", /CAA tag/],
    ["MX", "10 a.example\n$INCLUDE /etc/passwd", /control characters/],
    ["NS", "a.example b.example", /unexpected extra field/],
    ["MX", "10 (a.example", /never closed/],
    ["A", "", /needs RDATA/],
  ];
  for (const [type, text, error] of cases) {
    const r = canonicalRecordValue(type, text);
    assert.equal(r.ok, false, `${type} ${text}`);
    assert.match((r as { error: string }).error, error, `${type} ${text}`);
  }
});
