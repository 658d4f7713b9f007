import assert from "node:assert/strict";
import { TYPE } from "./constants.ts";
import { encodeRdata, rdataToValue } from "./rdata.ts";
import { encodeFieldRdata, fieldRdataToValue, isStorableType } from "./rdata_fields.ts";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("rdata_fields: each type round-trips to its canonical presentation", () => {
  for (
    const [type, input, canonical, wireHex] of [
      [TYPE.DS, "12345 13 2 abcd EF01", "12345 13 2 ABCDEF01", "3039" + "0d02" + "abcdef01"],
      [TYPE.SSHFP, "4 2 00ff", "4 2 00FF", "040200ff"],
      [TYPE.TLSA, "3 1 1 0a0B", "3 1 1 0A0B", "0301010a0b"],
      [TYPE.SMIMEA, "3 0 0 01", "3 0 0 01", "03000001"],
      [TYPE.DNSKEY, "257 3 13 AQID", "257 3 13 AQID", "0101030d010203"],
      [TYPE.OPENPGPKEY, "AQID", "AQID", "010203"],
      [TYPE.DNAME, "Example.NET.", "example.net", "076578616d706c65036e657400"],
      [
        TYPE.URI,
        '10 1 "ftp://ftp1.example.com/public"',
        '10 1 "ftp://ftp1.example.com/public"',
        "000a0001" +
        "6674703a2f2f667470312e6578616d706c652e636f6d2f7075626c6963",
      ],
      [TYPE.CERT, "PGP 0 0 AQID", "3 0 0 AQID", "0003000000010203"],
      [TYPE.HINFO, '"x86" "linux os"', '"x86" "linux os"', "03783836086c696e7578206f73"],
      [
        TYPE.HINFO,
        'x86 "a\\"b\\\\c\\009"',
        '"x86" "a\\"b\\\\c\\009"',
        "03783836" + "06" + "6122625c6309",
      ],
      [
        TYPE.NAPTR,
        '100 10 "u" "E2U+sip" "!^.*$!sip:x@y!" Sip.Example.',
        '100 10 "u" "E2U+sip" "!^.*$!sip:x@y!" sip.example',
        "0064000a" + "0175" + "074532552b736970" + "0e215e2e2a24217369703a784079" + "21" +
        "03736970076578616d706c6500",
      ],
      [TYPE.NAPTR, '1 2 "" "" "" .', '1 2 "" "" "" .', "00010002" + "000000" + "00"],
      [65534, "\\# 3 0A0b0c", "\\# 3 0A0B0C", "0a0b0c"],
      [65280, "\\# 0", "\\# 0", ""],
    ] as const
  ) {
    const r = encodeFieldRdata(type, input);
    assert.ok(r.ok, `${type} ${input}: ${r.ok ? "" : r.error}`);
    assert.equal(hex(r.rdata), wireHex, input);
    assert.equal(fieldRdataToValue(type, r.rdata), canonical, input);
    // The stored value encodes to the same RDATA through the general codec.
    assert.equal(hex(encodeRdata(type, canonical)!), wireHex, canonical);
    assert.equal(rdataToValue(type, r.rdata), canonical);
  }
});

Deno.test("rdata_fields: RFC 3597 generic form for a known type is that type's RDATA", () => {
  const r = encodeFieldRdata(TYPE.DS, "\\# 5 3039 0d02 ff");
  assert.ok(r.ok);
  assert.equal(fieldRdataToValue(TYPE.DS, r.rdata), "12345 13 2 FF");
});

Deno.test("rdata_fields: bad values are refused with the field named", () => {
  for (
    const [type, value, error] of [
      [TYPE.DS, "12345 13 2", "DS digest: expected hex"],
      [TYPE.DS, "12345 13 2 abc", "DS digest: expected hex"],
      [TYPE.DS, "70000 13 2 ab", "DS key tag: expected an integer 0..65535"],
      [TYPE.SSHFP, "1 x ab", "SSHFP type: expected an integer 0..255"],
      [TYPE.DNSKEY, "257 3 13 !!!!", "DNSKEY public key: expected base64"],
      [TYPE.HINFO, '"only one"', "HINFO OS: missing"],
      [TYPE.HINFO, '"a" "b" "c"', 'unexpected extra field "c"'],
      [TYPE.HINFO, `"${"x".repeat(256)}" "b"`, "HINFO CPU: longer than 255 octets"],
      [TYPE.HINFO, '"unterminated', "unbalanced quotes or a bad escape"],
      [TYPE.URI, '1 2 ""', "URI target: empty"],
      [TYPE.CERT, "BOGUS 0 0 AQID", "CERT type: expected an integer 0..65535"],
      [TYPE.NAPTR, '1 2 "" "" "" a..b', "NAPTR replacement: not a domain name"],
      [65534, "\\# 3 0a0b", "\\# 3: expected 3 octets of hex"],
      [65534, "\\# x", "\\# needs the RDATA length"],
      [65534, "0a0b", "this type takes only the RFC 3597 form \\# <length> <hex>"],
    ] as const
  ) {
    const r = encodeFieldRdata(type, value);
    assert.deepEqual(r, { ok: false, error }, value);
  }
});

Deno.test("rdata_fields: meta and query types and OPT are never stored", () => {
  for (const type of [0, TYPE.OPT, 128, TYPE.TSIG, TYPE.AXFR, TYPE.ANY, 255]) {
    assert.equal(isStorableType(type), false, String(type));
    assert.equal(encodeFieldRdata(type, "\\# 1 00").ok, false, String(type));
    assert.equal(fieldRdataToValue(type, Uint8Array.of(0)), null, String(type));
  }
  assert.ok(isStorableType(TYPE.DS) && isStorableType(65534) && isStorableType(256));
});

Deno.test("rdata_fields: malformed wire RDATA decodes to null", () => {
  assert.equal(fieldRdataToValue(TYPE.DS, Uint8Array.of(1, 2, 3)), null, "no digest");
  assert.equal(fieldRdataToValue(TYPE.HINFO, Uint8Array.of(5, 1)), null, "string past the end");
  assert.equal(fieldRdataToValue(TYPE.NAPTR, Uint8Array.of(0, 1, 0, 2, 0, 0, 0, 0xc0, 0)), null);
});
