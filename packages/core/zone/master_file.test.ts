import assert from "node:assert/strict";
import { type MasterFileRecord, parseMasterFile } from "./master_file.ts";

type Simple = Pick<MasterFileRecord, "name" | "type" | "ttl" | "value" | "line">;

function simplify(records: MasterFileRecord[]): Simple[] {
  return records.map(({ name, type, ttl, value, line }) => ({ name, type, ttl, value, line }));
}

function rec(name: string, type: Simple["type"], ttl: number, value: string, line = 1): Simple {
  return { name, type, ttl, value, line };
}

const ORIGIN = "example.com";
const SOA = "@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300\n";

interface OkCase {
  name: string;
  text: string;
  origin?: string;
  defaultTtl?: number;
  expect: Simple[];
}

const okCases: OkCase[] = [
  {
    name: "wildcard owner is stored as *.label (RFC 4592 §2.1.1)",
    text: "*.wild 60 A 192.0.2.9\n",
    expect: [rec("*.wild.example.com", "A", 60, "192.0.2.9")],
  },
  {
    name: "PTR, SPF and field-described types, names made absolute",
    text: 'p 60 PTR www\ns 60 SPF "v=spf1" " -all"\n' +
      'n 60 NAPTR 100 10 "u" "E2U+sip" "!^.*$!sip:a@b!" sip\n' +
      'sub 60 DS 12345 13 2 ( abcdef\n  012345 )\nh 60 HINFO "x86" linux\nd 60 DNAME y\n',
    expect: [
      rec("p.example.com", "PTR", 60, "www.example.com"),
      rec("s.example.com", "SPF", 60, "v=spf1 -all", 2),
      rec("n.example.com", "NAPTR", 60, '100 10 "u" "E2U+sip" "!^.*$!sip:a@b!" sip.example.com', 3),
      rec("sub.example.com", "DS", 60, "12345 13 2 ABCDEF012345", 4),
      rec("h.example.com", "HINFO", 60, '"x86" "linux"', 6),
      rec("d.example.com", "DNAME", 60, "y.example.com", 7),
    ],
  },
  {
    name: "SVCB/HTTPS (RFC 9460 §2.1): relative target, a quoted value after =",
    text: 's 60 SVCB 1 svc alpn="h2,h3" port=8443\nh 60 HTTPS 0 .\n',
    expect: [
      rec("s.example.com", "SVCB", 60, '1 svc.example.com alpn="h2,h3" port=8443'),
      rec("h.example.com", "HTTPS", 60, "0 .", 2),
    ],
  },
  {
    name: "RFC 3597: TYPEnnn with \\# for unknown types; a known type in generic form is that type",
    text: "u 60 TYPE65534 \\# 3 ( 0a0b\n 0c )\ne 60 type65280 \\# 0\n" +
      "a 60 TYPE1 \\# 4 C0000201\nd 60 DS \\# 5 3039 0d02ff\n",
    expect: [
      rec("u.example.com", "TYPE65534", 60, "\\# 3 0A0B0C"),
      rec("e.example.com", "TYPE65280", 60, "\\# 0", 3),
      rec("a.example.com", "A", 60, "192.0.2.1", 4),
      rec("d.example.com", "DS", 60, "12345 13 2 FF", 5),
    ],
  },
  {
    name: "A with relative owner",
    text: "www 60 IN A 192.0.2.1\n",
    expect: [rec("www.example.com", "A", 60, "192.0.2.1")],
  },
  {
    name: "absolute owner with trailing dot, upper case lowered",
    text: "WWW.Example.ORG. 60 A 192.0.2.1",
    expect: [rec("www.example.org", "A", 60, "192.0.2.1")],
  },
  {
    name: "@ is the origin",
    text: "@ 60 A 192.0.2.1\n",
    expect: [rec("example.com", "A", 60, "192.0.2.1")],
  },
  {
    name: "origin option with trailing dot",
    origin: "Example.COM.",
    text: "a 60 A 192.0.2.1\n",
    expect: [rec("a.example.com", "A", 60, "192.0.2.1")],
  },
  {
    name: "root origin",
    origin: ".",
    text: "@ 60 NS a.root-servers.net.\ncom. 60 NS a.gtld-servers.net.\nfoo 60 A 192.0.2.1\n",
    expect: [
      rec(".", "NS", 60, "a.root-servers.net", 1),
      rec("com", "NS", 60, "a.gtld-servers.net", 2),
      rec("foo", "A", 60, "192.0.2.1", 3),
    ],
  },
  {
    name: "blank owner repeats previous owner",
    text: "mail 60 A 192.0.2.25\n\t60 AAAA 2001:db8::25\n  60 MX 10 mail\n",
    expect: [
      rec("mail.example.com", "A", 60, "192.0.2.25", 1),
      rec("mail.example.com", "AAAA", 60, "2001:db8::25", 2),
      rec("mail.example.com", "MX", 60, "10 mail.example.com", 3),
    ],
  },
  {
    name: "blank owner after $ORIGIN keeps the previous absolute owner",
    text: "a 60 A 192.0.2.1\n$ORIGIN other.net.\n 60 NS ns\n",
    expect: [
      rec("a.example.com", "A", 60, "192.0.2.1", 1),
      rec("a.example.com", "NS", 60, "ns.other.net", 3),
    ],
  },
  {
    name: "TTL and class in either order, both optional",
    text: "a 60 IN A 192.0.2.1\nb IN 70 A 192.0.2.2\nc in a 192.0.2.3\nd 80 a 192.0.2.4\n",
    defaultTtl: 99,
    expect: [
      rec("a.example.com", "A", 60, "192.0.2.1", 1),
      rec("b.example.com", "A", 70, "192.0.2.2", 2),
      rec("c.example.com", "A", 99, "192.0.2.3", 3),
      rec("d.example.com", "A", 80, "192.0.2.4", 4),
    ],
  },
  {
    name: "$TTL with units applies to later records without TTL",
    text:
      "a A 192.0.2.1\n$TTL 1h\nb A 192.0.2.2\n$TTL 2d\nc A 192.0.2.3\n$ttl 1W\nd A 192.0.2.4\n" +
      "$TTL 1h30m\ne A 192.0.2.5\n$TTL 45\nf 10s A 192.0.2.6\ng A 192.0.2.7\n",
    defaultTtl: 5,
    expect: [
      rec("a.example.com", "A", 5, "192.0.2.1", 1),
      rec("b.example.com", "A", 3600, "192.0.2.2", 3),
      rec("c.example.com", "A", 172800, "192.0.2.3", 5),
      rec("d.example.com", "A", 604800, "192.0.2.4", 7),
      rec("e.example.com", "A", 5400, "192.0.2.5", 9),
      rec("f.example.com", "A", 10, "192.0.2.6", 11),
      rec("g.example.com", "A", 45, "192.0.2.7", 12),
    ],
  },
  {
    name: "no $TTL: records without TTL use SOA MINIMUM (RFC 2308 §4), even before the SOA",
    text:
      "a A 192.0.2.1\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\nb 60 A 192.0.2.2\nc A 192.0.2.3\n",
    defaultTtl: 7,
    expect: [
      rec("a.example.com", "A", 300, "192.0.2.1", 1),
      rec(
        "example.com",
        "SOA",
        300,
        "ns1.example.com hostmaster.example.com 1 7200 900 1209600 300",
        2,
      ),
      rec("b.example.com", "A", 60, "192.0.2.2", 3),
      rec("c.example.com", "A", 300, "192.0.2.3", 4),
    ],
  },
  {
    name: "no $TTL, no SOA, no defaultTtl: 3600",
    text: "a A 192.0.2.1\n",
    expect: [rec("a.example.com", "A", 3600, "192.0.2.1")],
  },
  {
    name: "no $TTL, no SOA: defaultTtl",
    text: "a A 192.0.2.1\n",
    defaultTtl: 120,
    expect: [rec("a.example.com", "A", 120, "192.0.2.1")],
  },
  {
    name: "SOA across lines with parentheses, comments and timer units",
    text: "$TTL 300\n@ IN SOA ns1.example.com. Host\\.Master ( ; start\n" +
      "  2024010101 ; serial\n  2h ; refresh\n  15M\n  2w\n  1h ) ; minimum\nwww A 192.0.2.1\n",
    expect: [
      rec(
        "example.com",
        "SOA",
        300,
        "ns1.example.com host\\.master.example.com 2024010101 7200 900 1209600 3600",
        2,
      ),
      rec("www.example.com", "A", 300, "192.0.2.1", 8),
    ],
  },
  {
    name: "parentheses may open before the type and span owner-less fields",
    text: "a ( 60\n IN\n A 192.0.2.1 )\nb 60 A 192.0.2.2\n",
    expect: [
      rec("a.example.com", "A", 60, "192.0.2.1", 1),
      rec("b.example.com", "A", 60, "192.0.2.2", 4),
    ],
  },
  {
    name: "comments and blank lines are ignored; CRLF line endings",
    text: "; header\r\n\r\n   ; indented comment\r\na 60 A 192.0.2.1 ; trailing\r\n",
    expect: [rec("a.example.com", "A", 60, "192.0.2.1", 4)],
  },
  {
    name: "AAAA forms are canonicalised per RFC 5952",
    text: [
      "a 60 AAAA 2001:0DB8:0000:0000:0000:0000:0000:0001",
      "b 60 AAAA 2001:db8:0:1:0:0:0:1",
      "c 60 AAAA 2001:db8:0:0:1:0:0:1",
      "d 60 AAAA 2001:db8:0:1:1:1:1:1",
      "e 60 AAAA ::",
      "f 60 AAAA ::1",
      "g 60 AAAA fe80::",
      "h 60 AAAA ::ffff:192.0.2.1",
      "i 60 AAAA 1:2:3:4:5:6:7:8",
    ].join("\n"),
    expect: [
      rec("a.example.com", "AAAA", 60, "2001:db8::1", 1),
      rec("b.example.com", "AAAA", 60, "2001:db8:0:1::1", 2),
      rec("c.example.com", "AAAA", 60, "2001:db8::1:0:0:1", 3),
      rec("d.example.com", "AAAA", 60, "2001:db8:0:1:1:1:1:1", 4),
      rec("e.example.com", "AAAA", 60, "::", 5),
      rec("f.example.com", "AAAA", 60, "::1", 6),
      rec("g.example.com", "AAAA", 60, "fe80::", 7),
      rec("h.example.com", "AAAA", 60, "::ffff:c000:201", 8),
      rec("i.example.com", "AAAA", 60, "1:2:3:4:5:6:7:8", 9),
    ],
  },
  {
    name: "NS and CNAME targets: relative, absolute, @, escaped",
    text: "@ 60 NS ns1\n@ 60 NS NS2.Example.NET.\nw 60 CNAME @\nx 60 CNAME a\\.b\n",
    expect: [
      rec("example.com", "NS", 60, "ns1.example.com", 1),
      rec("example.com", "NS", 60, "ns2.example.net", 2),
      rec("w.example.com", "CNAME", 60, "example.com", 3),
      rec("x.example.com", "CNAME", 60, "a\\.b.example.com", 4),
    ],
  },
  {
    name: "MX, SRV (root target) and CAA",
    text: "@ 60 MX 0 .\n_sip._udp 60 SRV 0 5 5060 sip.example.net.\n_x._tcp 60 SRV 1 0 0 .\n" +
      '@ 60 CAA 0 ISSUE "ca.example; account=1"\n@ 60 CAA 128 iodef mailto:x@example.com\n',
    expect: [
      rec("example.com", "MX", 60, "0 .", 1),
      rec("_sip._udp.example.com", "SRV", 60, "0 5 5060 sip.example.net", 2),
      rec("_x._tcp.example.com", "SRV", 60, "1 0 0 .", 3),
      rec("example.com", "CAA", 60, "0 issue ca.example; account=1", 4),
      rec("example.com", "CAA", 60, "128 iodef mailto:x@example.com", 5),
    ],
  },
  {
    name: "wildcard and escaped owner names",
    text: "* 60 A 192.0.2.1\n\\065\\.b 60 A 192.0.2.2\n",
    expect: [
      rec("*.example.com", "A", 60, "192.0.2.1", 1),
      rec("a\\.b.example.com", "A", 60, "192.0.2.2", 2),
    ],
  },
  {
    name: "$ORIGIN absolute and relative to the current origin",
    text: "$ORIGIN sub.example.com.\na 60 A 192.0.2.1\n$ORIGIN deeper\nb 60 A 192.0.2.2\n",
    expect: [
      rec("a.sub.example.com", "A", 60, "192.0.2.1", 2),
      rec("b.deeper.sub.example.com", "A", 60, "192.0.2.2", 4),
    ],
  },
  {
    name: "a 63-octet label and a 255-octet name are accepted",
    origin: ".",
    text: `${"a".repeat(63)} 60 A 192.0.2.1\n` +
      `${
        ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join(".")
      }. 60 A 192.0.2.2\n`,
    expect: [
      rec("a".repeat(63), "A", 60, "192.0.2.1", 1),
      rec(
        ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join("."),
        "A",
        60,
        "192.0.2.2",
        2,
      ),
    ],
  },
  {
    name: "file without trailing newline and with a BOM",
    text: "\uFEFFa 60 A 192.0.2.1",
    expect: [rec("a.example.com", "A", 60, "192.0.2.1")],
  },
];

for (const c of okCases) {
  Deno.test(`parseMasterFile ok: ${c.name}`, () => {
    const result = parseMasterFile(c.text, {
      origin: c.origin ?? ORIGIN,
      defaultTtl: c.defaultTtl,
    });
    assert.ok(result.ok, result.ok ? "" : result.error);
    assert.deepEqual(simplify(result.records), c.expect);
  });
}

interface TxtCase {
  name: string;
  text: string;
  value: string;
  /** Expected character-strings; strings are UTF-8 encoded. */
  strings: (string | Uint8Array)[];
}

const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);

const txtCases: TxtCase[] = [
  {
    name: "several quoted strings",
    text: '@ 60 TXT "v=spf1" " -all"',
    value: "v=spf1 -all",
    strings: ["v=spf1", " -all"],
  },
  {
    name: "unquoted tokens",
    text: "@ 60 TXT hello world",
    value: "helloworld",
    strings: ["hello", "world"],
  },
  {
    name: 'escapes: \\" \\\\ \\DDD \\X and a quoted semicolon',
    text: '@ 60 TXT "a\\"b" "c\\\\d" "\\065\\066" \\;x "semi;colon"',
    value: 'a"bc\\dAB;xsemi;colon',
    strings: ['a"b', "c\\d", "AB", ";x", "semi;colon"],
  },
  {
    name: "empty string and parentheses inside quotes",
    text: '@ 60 TXT "" "(not a paren)"',
    value: "(not a paren)",
    strings: ["", "(not a paren)"],
  },
  {
    name: "UTF-8 literal and UTF-8 from \\DDD split across strings",
    text: '@ 60 TXT "h\u00e9" "\\226\\130" "\\172"',
    value: "h\u00e9\u20ac",
    strings: ["h\u00e9", Uint8Array.of(226, 130), Uint8Array.of(172)],
  },
  {
    name: "exactly 255 octets",
    text: `@ 60 TXT "${"x".repeat(255)}"`,
    value: "x".repeat(255),
    strings: ["x".repeat(255)],
  },
];

for (const c of txtCases) {
  Deno.test(`parseMasterFile TXT: ${c.name}`, () => {
    const result = parseMasterFile(c.text, { origin: ORIGIN });
    assert.ok(result.ok, result.ok ? "" : result.error);
    assert.equal(result.records.length, 1);
    const [r] = result.records;
    assert.equal(r.type, "TXT");
    assert.equal(r.value, c.value);
    assert.deepEqual(r.txtStrings, c.strings.map((s) => typeof s === "string" ? bytesOf(s) : s));
  });
}

interface ErrorCase {
  name: string;
  text: string;
  line: number;
  /** Substring expected in the error after the "Cannot parse line N: " prefix. */
  reason: string;
  origin?: string;
  defaultTtl?: number;
}

const longName = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(62)].join(".");

const errorCases: ErrorCase[] = [
  {
    name: "$INCLUDE",
    text: SOA + "$INCLUDE other.zone\n",
    line: 2,
    reason: "$INCLUDE is not allowed here",
  },
  {
    name: "unknown directive",
    text: "$GENERATOR 1-2 a A 1.2.3.$\n",
    line: 1,
    reason: '"$GENERATOR"',
  },
  { name: "$TTL without argument", text: "\n$TTL\n", line: 2, reason: "$TTL needs an argument" },
  { name: "$TTL bad value", text: "$TTL 1x\n", line: 1, reason: '$TTL "1x"' },
  { name: "$TTL number after unit", text: "$TTL 1h30\n", line: 1, reason: '"1h30"' },
  { name: "$TTL too large", text: "$TTL 2147483648\n", line: 1, reason: "exceeds 2147483647" },
  { name: "$TTL extra field", text: "$TTL 1h 2h\n", line: 1, reason: 'extra field "2h"' },
  { name: "$ORIGIN extra field", text: "$ORIGIN a. b.\n", line: 1, reason: 'extra field "b."' },
  {
    name: "$ORIGIN without argument",
    text: "$ORIGIN\n",
    line: 1,
    reason: "$ORIGIN needs an argument",
  },
  { name: "record TTL bad", text: "a 5q A 192.0.2.1\n", line: 1, reason: 'TTL "5q"' },
  { name: "two TTLs", text: "a 5 IN 6 A 192.0.2.1\n", line: 1, reason: 'second TTL "6"' },
  { name: "two classes", text: "a IN 5 IN A 192.0.2.1\n", line: 1, reason: 'second class "IN"' },
  {
    name: "class CH",
    text: SOA + "a CH A 192.0.2.1\n",
    line: 2,
    reason: "class CH is not supported (only IN)",
  },
  { name: "class HS", text: "a 60 hs A 192.0.2.1\n", line: 1, reason: "class HS is not supported" },
  {
    name: "DS digest not hex",
    text: "\n\nx 60 DS 1 13 2 xyz\n",
    line: 3,
    reason: "DS digest: expected hex",
  },
  { name: "TYPEnnn without \\#", text: "x 60 TYPE65534 0a0b\n", line: 1, reason: "RFC 3597 form" },
  {
    name: "\\# length mismatch",
    text: "x 60 TYPE65534 \\# 4 0a0b\n",
    line: 1,
    reason: "expected 4 octets",
  },
  { name: "meta type", text: "x 60 TYPE250 \\# 0\n", line: 1, reason: "unsupported record type" },
  {
    name: "quote inside a word not after =",
    text: 'x 60 SVCB 1 . al"pn=h2"\n',
    line: 1,
    reason: "unexpected '\"' inside an unquoted word",
  },
  {
    name: "SVCB unknown key",
    text: "x 60 HTTPS 1 . bogus=1\n",
    line: 1,
    reason: 'unknown parameter "bogus"',
  },
  {
    name: "DNAME without a target",
    text: "x 60 DNAME\n",
    line: 1,
    reason: "DNAME target: missing",
  },
  {
    name: "generic A that is not an A",
    text: "x 60 A \\# 3 010203\n",
    line: 1,
    reason: "not a valid A",
  },
  {
    name: "unknown type",
    text: "\n\na 60 IN NSEC3PARAM 1 0 0 -\n",
    line: 3,
    reason: '"NSEC3PARAM"',
  },
  {
    name: "unknown type word",
    text: "a 60 IN BOGUS x\n",
    line: 1,
    reason: 'unknown or unsupported record type "BOGUS"',
  },
  { name: "missing type", text: "a 60 IN\n", line: 1, reason: "missing record type" },
  { name: "blank owner first", text: "  60 A 192.0.2.1\n", line: 1, reason: "no previous owner" },
  {
    name: "bad IPv4: too few octets",
    text: "a 60 A 192.0.2\n",
    line: 1,
    reason: 'invalid IPv4 address "192.0.2"',
  },
  { name: "bad IPv4: octet > 255", text: "a 60 A 192.0.2.256\n", line: 1, reason: "invalid IPv4" },
  { name: "bad IPv4: leading zero", text: "a 60 A 192.0.2.01\n", line: 1, reason: "invalid IPv4" },
  { name: "bad IPv4: letters", text: "a 60 A 1.2.3.x\n", line: 1, reason: "invalid IPv4" },
  { name: "bad IPv4: quoted", text: 'a 60 A "192.0.2.1"\n', line: 1, reason: "invalid IPv4" },
  {
    name: "A missing address",
    text: "a 60 A\n",
    line: 1,
    reason: "A record needs 1 RDATA field(s), got 0",
  },
  {
    name: "A extra field",
    text: "a 60 A 192.0.2.1 x\n",
    line: 1,
    reason: 'extra field "x" in A record',
  },
  {
    name: "bad IPv6: two ::",
    text: "a 60 AAAA 1::2::3\n",
    line: 1,
    reason: 'invalid IPv6 address "1::2::3"',
  },
  {
    name: "bad IPv6: too many groups",
    text: "a 60 AAAA 1:2:3:4:5:6:7:8:9\n",
    line: 1,
    reason: "invalid IPv6",
  },
  {
    name: "bad IPv6: too few groups",
    text: "a 60 AAAA 1:2:3:4:5:6:7\n",
    line: 1,
    reason: "invalid IPv6",
  },
  {
    name: "bad IPv6: :: with 8 groups",
    text: "a 60 AAAA 1:2:3:4::5:6:7:8\n",
    line: 1,
    reason: "invalid IPv6",
  },
  {
    name: "bad IPv6: group too long",
    text: "a 60 AAAA 2001:db8::12345\n",
    line: 1,
    reason: "invalid IPv6",
  },
  {
    name: "bad IPv6: leading single colon",
    text: "a 60 AAAA :1::2\n",
    line: 1,
    reason: "invalid IPv6",
  },
  {
    name: "bad IPv6: IPv4 not last",
    text: "a 60 AAAA 1.2.3.4::\n",
    line: 1,
    reason: "invalid IPv6",
  },
  { name: "bad IPv6: zone id", text: "a 60 AAAA fe80::1%eth0\n", line: 1, reason: "invalid IPv6" },
  {
    name: "bad IPv6: IPv4 address",
    text: "a 60 AAAA 192.0.2.1\n",
    line: 1,
    reason: "invalid IPv6",
  },
  {
    name: "label longer than 63",
    text: `a 60 A 192.0.2.1\n${"x".repeat(64)} 60 A 192.0.2.1\n`,
    line: 2,
    reason: "is 64 octets, the limit is 63",
  },
  {
    name: "label > 63 in RDATA",
    text: `a 60 CNAME ${"x".repeat(64)}.\n`,
    line: 1,
    reason: "limit is 63",
  },
  {
    name: "name longer than 255",
    text: `${longName}. 60 A 192.0.2.1\n`,
    line: 1,
    reason: "256 octets long",
  },
  {
    name: "relative name longer than 255 after origin",
    origin: "example.com",
    text: `${
      ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(50)].join(".")
    } 60 A 192.0.2.1\n`,
    line: 1,
    reason: "the limit is 255",
  },
  {
    name: "empty label",
    text: "a..b 60 A 192.0.2.1\n",
    line: 1,
    reason: 'empty label in name "a..b"',
  },
  { name: "leading dot", text: ".a 60 A 192.0.2.1\n", line: 1, reason: "empty label" },
  {
    name: "quoted owner",
    text: '"a" 60 A 192.0.2.1\n',
    line: 1,
    reason: "owner name must not be a quoted string",
  },
  {
    name: "TXT character-string > 255",
    text: `${SOA}t 60 TXT "ok" (\n "${"y".repeat(256)}" )\n`,
    line: 3,
    reason: "character-string is 256 octets, the limit is 255",
  },
  {
    name: "TXT > 255 via escapes",
    text: `t 60 TXT "${"\\065".repeat(256)}"\n`,
    line: 1,
    reason: "256 octets",
  },
  {
    name: "TXT without strings",
    text: "t 60 TXT\n",
    line: 1,
    reason: "at least one character-string",
  },
  { name: "escape \\DDD > 255", text: 't 60 TXT "\\256"\n', line: 1, reason: 'bad escape "\\256"' },
  {
    name: "escape \\DD short",
    text: 't 60 TXT "\\12"\n',
    line: 1,
    reason: "exactly three decimal digits",
  },
  {
    name: "unterminated quote",
    text: 'a 60 A 192.0.2.1\nt 60 TXT "abc\n"\n',
    line: 2,
    reason: "unterminated quoted string",
  },
  {
    name: "unterminated quote at EOF",
    text: 't 60 TXT "abc',
    line: 1,
    reason: "unterminated quoted string",
  },
  { name: "quote inside word", text: 't 60 TXT ab"c"\n', line: 1, reason: "unexpected '\"'" },
  {
    name: "text right after closing quote",
    text: 't 60 TXT "ab"c\n',
    line: 1,
    reason: "missing blank space",
  },
  {
    name: "backslash at end of line",
    text: "t 60 TXT abc\\\n",
    line: 1,
    reason: "'\\' at end of line",
  },
  {
    name: "unclosed parenthesis",
    text: "a 60 A 192.0.2.1\n@ SOA ns hm (\n 1 2 3 4 5\n",
    line: 2,
    reason: "'(' is never closed",
  },
  {
    name: "stray closing parenthesis",
    text: "\na 60 A 192.0.2.1 )\n",
    line: 2,
    reason: "')' without matching '('",
  },
  {
    name: "nested parentheses",
    text: "@ SOA ns hm ( 1\n ( 2 ) 3 4 5 )\n",
    line: 2,
    reason: "nested '('",
  },
  {
    name: "SOA missing fields",
    text: "@ 60 SOA ns hm (\n 1 2 3 )\n",
    line: 2,
    reason: "SOA record needs 7 RDATA field(s), got 5",
  },
  {
    name: "SOA bad serial",
    text: "@ 60 SOA ns hm (\n x 2 3 4 5 )\n",
    line: 2,
    reason: 'SOA serial "x"',
  },
  {
    name: "SOA serial too large",
    text: "@ 60 SOA ns hm 4294967296 2 3 4 5\n",
    line: 1,
    reason: "larger than 4294967295",
  },
  {
    name: "SOA bad timer",
    text: "@ 60 SOA ns hm 1 2h 3q 4 5\n",
    line: 1,
    reason: 'SOA retry "3q"',
  },
  {
    name: "SOA bad minimum",
    text: "@ 60 SOA ns hm 1 2 3 4 (\n 5z )\n",
    line: 2,
    reason: 'SOA minimum "5z"',
  },
  {
    name: "MX bad preference",
    text: "@ 60 MX 65536 mail\n",
    line: 1,
    reason: "MX preference 65536 is larger than 65535",
  },
  { name: "MX missing exchange", text: "@ 60 MX 10\n", line: 1, reason: "MX record needs 2" },
  { name: "SRV bad port", text: "_s._tcp 60 SRV 0 0 x target\n", line: 1, reason: 'SRV port "x"' },
  {
    name: "SRV quoted target",
    text: '_s._tcp 60 SRV 0 0 1 "t"\n',
    line: 1,
    reason: "SRV target must not be a quoted string",
  },
  { name: "CAA bad flags", text: "@ 60 CAA 256 issue ca\n", line: 1, reason: "CAA flags 256" },
  { name: "CAA bad tag", text: '@ 60 CAA 0 is-sue "ca"\n', line: 1, reason: 'CAA tag "is-sue"' },
  { name: "CAA missing value", text: "@ 60 CAA 0 issue\n", line: 1, reason: "CAA record needs 3" },
  {
    name: "CNAME extra field",
    text: "a 60 CNAME b (\n c )\n",
    line: 2,
    reason: 'extra field "c" in CNAME record',
  },
  {
    name: "indented word after a record is a new owner-less entry",
    text: "a 60 CNAME b\n c\n",
    line: 2,
    reason: 'record type "c"',
  },
  {
    name: "empty origin option",
    origin: "",
    text: "a 60 A 192.0.2.1\n",
    line: 0,
    reason: "options.origin",
  },
  {
    name: "bad origin option",
    origin: "a..b",
    text: "a 60 A 192.0.2.1\n",
    line: 0,
    reason: "empty label",
  },
  {
    name: "bad defaultTtl option",
    defaultTtl: -1,
    text: "a A 192.0.2.1\n",
    line: 0,
    reason: "options.defaultTtl",
  },
];

for (const c of errorCases) {
  Deno.test(`parseMasterFile error: ${c.name}`, () => {
    const result = parseMasterFile(c.text, {
      origin: c.origin ?? ORIGIN,
      defaultTtl: c.defaultTtl,
    });
    assert.equal(result.ok, false, `expected an error for ${JSON.stringify(c.text)}`);
    if (result.ok) return;
    assert.equal(result.line, c.line, result.error);
    const prefix = `Cannot parse line ${c.line}: `;
    assert.ok(result.error.startsWith(prefix), result.error);
    assert.ok(result.error.slice(prefix.length).includes(c.reason), result.error);
  });
}

Deno.test("parseMasterFile: an error after valid records returns no partial records", () => {
  const result = parseMasterFile("a 60 A 192.0.2.1\nb 60 A 192.0.2.2\nc 60 A bad\n", {
    origin: ORIGIN,
  });
  assert.deepEqual(result, {
    ok: false,
    line: 3,
    error: 'Cannot parse line 3: invalid IPv4 address "bad"',
  });
});

Deno.test("parseMasterFile: the first error in the file is reported", () => {
  const result = parseMasterFile('a 60 A bad\nt 60 TXT "unterminated\n', { origin: ORIGIN });
  assert.equal(result.ok, false);
  assert.equal(result.ok ? 0 : result.line, 1);
});

Deno.test("parseMasterFile: never throws on hostile input", () => {
  const inputs = ["(", ")", '"', "\\", "$", "@", "\u0000", "a\\", "a \\0", "\n\n\t(\n", "@ SOA"];
  for (const text of inputs) {
    const result = parseMasterFile(text, { origin: ORIGIN });
    assert.equal(typeof result.ok, "boolean");
  }
});

Deno.test("parseMasterFile: testdata/example.zone", () => {
  const text = Deno.readTextFileSync(new URL("./testdata/example.zone", import.meta.url));
  const result = parseMasterFile(text, { origin: "example.com" });
  assert.ok(result.ok, result.ok ? "" : result.error);
  const records = result.records;
  const dkim = records.find((r) => r.name === "sel1._domainkey.example.com");
  assert.ok(dkim?.txtStrings);
  assert.deepEqual(dkim.txtStrings.map((s) => s.length), [198, 200, 12]);
  assert.ok(dkim.value.startsWith("v=DKIM1; k=rsa; p="));
  assert.equal(dkim.value.length, 410);
  assert.equal(dkim.line, 27);

  const withoutDkim = simplify(records).filter((r) => r.name !== "sel1._domainkey.example.com");
  assert.deepEqual(withoutDkim, [
    rec(
      "example.com",
      "SOA",
      3600,
      "ns1.example.com hostmaster.example.com 2024060101 7200 900 1209600 300",
      4,
    ),
    rec("example.com", "NS", 3600, "ns1.example.com", 12),
    rec("example.com", "NS", 3600, "ns2.example.net", 13),
    rec("ns1.example.com", "A", 3600, "192.0.2.53", 15),
    rec("ns1.example.com", "AAAA", 3600, "2001:db8::53", 16),
    rec("www.example.com", "A", 300, "192.0.2.80", 17),
    rec("www.example.com", "AAAA", 3600, "2001:db8::80", 18),
    rec("mail.example.com", "MX", 3600, "10 mail.example.com", 19),
    rec("mail.example.com", "A", 3600, "192.0.2.25", 20),
    rec("example.com", "TXT", 3600, "v=spf1 mx -all", 21),
    rec("info.example.com", "TXT", 3600, "first stringsecond; not a commentthird", 22),
    rec("_sip._tcp.example.com", "SRV", 3600, "10 60 5060 sip.example.com", 23),
    rec("example.com", "CAA", 3600, "0 issue letsencrypt.org", 24),
    rec("dev.example.com", "A", 600, "192.0.2.10", 32),
    rec("api.dev.example.com", "CNAME", 3600, "dev.example.com", 33),
    rec("db.dev.example.com", "A", 3600, "198.51.100.7", 34),
    rec("legacy.example.org", "CNAME", 86400, "www.example.com", 35),
  ]);
  const info = records.find((r) => r.name === "info.example.com");
  assert.deepEqual(info?.txtStrings?.length, 3);
});

Deno.test("$INCLUDE: the reader gets the path and the including file; origin restored after", () => {
  const files: Record<string, string> = {
    "/z/hosts.zone": "www A 192.0.2.1\n$INCLUDE sub/more.zone\n",
    "/z/sub/more.zone": "mail 60 A 192.0.2.2\n",
    "/z/other.zone": "x A 192.0.2.3\n",
  };
  const asked: [string, string | undefined][] = [];
  const include = (path: string, from: string | undefined) => {
    asked.push([path, from]);
    const full = path.startsWith("/")
      ? path
      : `${from ? from.replace(/[^/]*$/, "") : "/z/"}${path}`;
    if (!(full in files)) throw new Error("no such file");
    return { path: full, text: files[full] };
  };
  const r = parseMasterFile(
    "$TTL 300\n$INCLUDE hosts.zone\n$INCLUDE other.zone sub.example.com.\nafter A 192.0.2.9\n",
    { origin: "example.com", include },
  );
  assert.ok(r.ok, r.ok ? "" : r.error);
  assert.deepEqual(
    r.records.map((x) => [x.name, x.ttl, x.file ?? "", x.line]),
    [
      ["www.example.com", 300, "/z/hosts.zone", 1],
      ["mail.example.com", 60, "/z/sub/more.zone", 1],
      ["x.sub.example.com", 300, "/z/other.zone", 1], // the $INCLUDE's origin argument
      ["after.example.com", 300, "", 4], // the including file's origin again
    ],
  );
  assert.deepEqual(asked, [
    ["hosts.zone", undefined],
    ["sub/more.zone", "/z/hosts.zone"],
    ["other.zone", undefined],
  ]);
  // An error inside an included file names the $INCLUDE line, the file and its line.
  files["/z/bad.zone"] = "ok A 192.0.2.1\nbad A 192.0.2.300\n";
  const bad = parseMasterFile("\n$INCLUDE bad.zone\n", { origin: "example.com", include });
  assert.ok(!bad.ok);
  assert.equal(bad.line, 2);
  assert.match(bad.error, /in \/z\/bad\.zone line 2: invalid IPv4 address "192\.0\.2\.300"/);
  // A missing file, and a file including itself, stop with a message, not a crash.
  const missing = parseMasterFile("$INCLUDE nope.zone\n", { origin: "example.com", include });
  assert.ok(!missing.ok && /\$INCLUDE nope\.zone: no such file/.test(missing.error));
  files["/z/loop.zone"] = "$INCLUDE loop.zone\n";
  const loop = parseMasterFile("$INCLUDE loop.zone\n", { origin: "example.com", include });
  assert.ok(!loop.ok && /nested deeper than 8 files/.test(loop.error), loop.ok ? "" : loop.error);
});

Deno.test("$GENERATE: ranges, steps, ${offset,width,base} and \\$; limits", () => {
  const r = parseMasterFile(
    "$TTL 60\n$GENERATE 1-3 host-$ A 192.0.2.$\n" +
      "$GENERATE 10-14/2 ${0,3,x}.r 120 IN PTR h${-9}.example.com.\n" +
      '$GENERATE 7-7 t TXT "cost \\$5 for $"\n',
    { origin: "example.com" },
  );
  assert.ok(r.ok, r.ok ? "" : r.error);
  assert.deepEqual(r.records.map((x) => `${x.name} ${x.ttl} ${x.type} ${x.value} ${x.line}`), [
    "host-1.example.com 60 A 192.0.2.1 2",
    "host-2.example.com 60 A 192.0.2.2 2",
    "host-3.example.com 60 A 192.0.2.3 2",
    "00a.r.example.com 120 PTR h1.example.com 3",
    "00c.r.example.com 120 PTR h3.example.com 3",
    "00e.r.example.com 120 PTR h5.example.com 3",
    "t.example.com 60 TXT cost $5 for 7 4",
  ]);
  const big = parseMasterFile("$GENERATE 0-70000 h$ A 192.0.2.1\n", { origin: "example.com" });
  assert.ok(!big.ok && /more than 65536 records/.test(big.error));
  const capped = parseMasterFile("a A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n", {
    origin: "example.com",
    maxRecords: 2,
  });
  assert.ok(!capped.ok && capped.line === 3 && /more than 2 records/.test(capped.error));
  const backwards = parseMasterFile("$GENERATE 5-1 h$ A 192.0.2.1\n", { origin: "example.com" });
  assert.ok(!backwards.ok && backwards.line === 1);
  const badIp = parseMasterFile("\n$GENERATE 250-260 h$ A 192.0.2.$\n", { origin: "example.com" });
  assert.ok(!badIp.ok && badIp.line === 2 && /192\.0\.2\.256/.test(badIp.error));
});

Deno.test("parseMasterFile: txtLengthsOnly gives each TXT's string lengths instead of the bytes, nothing else changes", () => {
  const text = Deno.readTextFileSync(new URL("./testdata/example.zone", import.meta.url));
  const full = parseMasterFile(text, { origin: "example.com" });
  const lean = parseMasterFile(text, { origin: "example.com", txtLengthsOnly: true });
  if (!full.ok || !lean.ok) throw new Error("example.zone did not parse");
  assert.equal(lean.records.length, full.records.length);
  for (let i = 0; i < full.records.length; i++) {
    const a: MasterFileRecord = full.records[i];
    const b: MasterFileRecord = lean.records[i];
    const { txtStrings, ...rest } = a;
    const { txtLengths, ...leanRest } = b;
    assert.equal(b.txtStrings, undefined);
    assert.deepEqual(txtLengths, txtStrings?.map((s) => s.length));
    assert.deepEqual(leanRest, rest);
  }
  const dkim = lean.records.find((r) => r.name === "sel1._domainkey.example.com");
  assert.deepEqual(dkim?.txtLengths, [198, 200, 12]);
});
