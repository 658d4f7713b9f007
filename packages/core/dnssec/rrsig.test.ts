import assert from "node:assert/strict";
import { decodeBase64Strict, encodeBase64 } from "../dmp/base64_strict.ts";
import { canonicalNameWire, rrsigLabels, signRRset } from "./rrsig.ts";
import { importSigningKey } from "./signing_key.ts";
import { encodeName, nameWireLength } from "../wire/name.ts";

const MX = 15;

Deno.test("signRRset() reproduces the RFC 8080 §6.1 Ed25519 RRSIG (canonical form, deterministic signature)", async () => {
  // The example's private key (a 32-byte seed) wrapped in PKCS#8 (RFC 8410 §7).
  const seed = decodeBase64Strict("ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=")!;
  const pkcs8 = Uint8Array.from([
    ...[
      0x30,
      0x2e,
      0x02,
      0x01,
      0x00,
      0x30,
      0x05,
      0x06,
      0x03,
      0x2b,
      0x65,
      0x70,
      0x04,
      0x22,
      0x04,
      0x20,
    ],
    ...seed,
  ]);
  const key = await importSigningKey({ algorithm: 15, flags: 257, pkcs8 });
  assert.equal(key.keyTag, 3613);
  // Upper case in the owner and the exchange name: the canonical form lower-cases both.
  const rdata = Uint8Array.from([0, 10, ...canonicalNameWire("mail.example.com")]);
  rdata[3] = 0x4d; // 'M'
  const sig = await signRRset(key, "EXAMPLE.com", {
    owner: "example.COM",
    type: MX,
    ttl: 3600,
    rdatas: [rdata],
  }, { inception: 1438207200, expiration: 1440021600 });
  assert.equal(
    encodeBase64(sig.subarray(sig.length - 64)),
    "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==",
  );
});

Deno.test("rrsigLabels() leaves out the root and a leading wildcard label (RFC 4034 §3.1.3)", () => {
  assert.equal(rrsigLabels(""), 0);
  assert.equal(rrsigLabels("www.example.com"), 3);
  assert.equal(rrsigLabels("*.example.com"), 2);
});

Deno.test("canonicalNameWire() is the full parser's lower-cased encoding for every kind of name", () => {
  // The reference: wire/name.ts's parser (escapes, trailing dot, limits), then ASCII lower case.
  const reference = (name: string) => {
    const length = nameWireLength(name);
    if (length < 0) return "invalid";
    const out = new Uint8Array(length);
    encodeName(out, 0, name);
    return out.map((b) => b >= 0x41 && b <= 0x5a ? b | 0x20 : b).join();
  };
  const actual = (name: string) => {
    try {
      return canonicalNameWire(name).join();
    } catch (e) {
      assert.ok(e instanceof RangeError);
      return "invalid";
    }
  };
  const names = [
    "",
    ".",
    "www.Example.COM",
    "www.example.com.",
    "*.Wild.example",
    "_acme-challenge.x.example",
    "a\\.b.example",
    "a\\065.example",
    "sp ace.example",
    "a..b",
    ".a",
    "a".repeat(63) + ".x",
    "a".repeat(64) + ".x",
    Array(4).fill("b".repeat(62)).join(".") + ".x", // 4 × 63 + 2 + 1 = 255 octets
    Array(4).fill("b".repeat(62)).join(".") + ".xy", // 256 octets
    "x".repeat(200) + "." + "y".repeat(53),
  ];
  for (const name of names) assert.equal(actual(name), reference(name), JSON.stringify(name));
});
