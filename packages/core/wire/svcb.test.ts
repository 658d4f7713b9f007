import assert from "node:assert/strict";
import { TYPE } from "./constants.ts";
import { encodeRdata, rdataToValue } from "./rdata.ts";
import { encodeSvcb, svcbToValue } from "./svcb.ts";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("svcb: RFC 9460 Appendix D test vectors (AliasMode, ServiceMode, port, key667, ipv6hint)", () => {
  for (
    const [value, wire] of [
      // D.1 AliasMode
      ["0 foo.example.com", "0000" + "03666f6f076578616d706c6503636f6d00"],
      // D.2 ServiceMode, minimal
      ["1 .", "000100"],
      // D.2 port
      [
        "16 foo.example.com port=53",
        "0010" + "03666f6f076578616d706c6503636f6d00" + "000300020035",
      ],
      // D.2 generic key with a value
      [
        '1 foo.example.com key667="hello"',
        "0001" + "03666f6f076578616d706c6503636f6d00" + "029b000568656c6c6f",
      ],
      // D.2 ipv6hint
      [
        "1 foo.example.com ipv6hint=2001:db8::1,2001:db8::53:1",
        "0001" + "03666f6f076578616d706c6503636f6d00" + "00060020" +
        "20010db8000000000000000000000001" + "20010db8000000000000000000530001",
      ],
    ]
  ) {
    const r = encodeSvcb(value);
    assert.ok(r.ok, r.ok ? "" : r.error);
    assert.equal(hex(r.rdata), wire, value);
  }
});

Deno.test("svcb: canonical form sorts keys, quotes alpn, and round-trips through the general codec", () => {
  const value =
    "1 Svc.Example.NET. port=8443 alpn=h2,h3 mandatory=port,alpn ech=AQID ipv4hint=192.0.2.1";
  const canonical =
    '1 svc.example.net mandatory=alpn,port alpn="h2,h3" port=8443 ipv4hint=192.0.2.1 ech=AQID';
  for (const type of [TYPE.SVCB, TYPE.HTTPS]) {
    const rdata = encodeRdata(type, value)!;
    assert.equal(rdataToValue(type, rdata), canonical);
    assert.equal(hex(encodeRdata(type, canonical)!), hex(rdata));
  }
});

Deno.test("svcb: bad values are refused with the parameter named", () => {
  for (
    const [value, error] of [
      ["1", "SVCB needs a priority and a target name"],
      ["70000 .", "SVCB priority: expected 0..65535"],
      ["1 . port=1 port=2", "SVCB port: given twice"],
      ["1 . port=99999", "SVCB port: expected a port 0..65535"],
      ["1 . mandatory=port", "SVCB mandatory: port is not given"],
      ["1 . mandatory=mandatory", "SVCB mandatory: unknown or invalid key in the list"],
      ["1 . ipv4hint=1.2.3", 'SVCB ipv4hint: "1.2.3" is not an IPv4 address'],
      ["1 . no-default-alpn=x", "SVCB no-default-alpn: takes no value"],
      ["1 . ech=!!", "SVCB ech: expected base64"],
      ['1 . alpn="a\\,b"', "SVCB alpn: expected a comma-separated list of ALPN ids"],
      ["1 . bogus=1", 'SVCB: unknown parameter "bogus"'],
      ['1 . key7="open', "SVCB needs a priority and a target name"],
    ]
  ) {
    assert.deepEqual(encodeSvcb(value), { ok: false, error }, value);
  }
});

Deno.test("svcb: malformed wire RDATA decodes to null", () => {
  assert.equal(svcbToValue(Uint8Array.of(0, 1)), null, "no target");
  assert.equal(
    svcbToValue(Uint8Array.of(0, 1, 0, 0, 3, 0, 2, 0, 53, 0, 1, 0, 0)),
    null,
    "keys out of order",
  );
  assert.equal(svcbToValue(Uint8Array.of(0, 1, 0, 0, 3, 0, 3, 0, 53, 1)), null, "port of 3 octets");
  assert.equal(svcbToValue(Uint8Array.of(0, 1, 0xc0, 0)), null, "compressed target");
});
