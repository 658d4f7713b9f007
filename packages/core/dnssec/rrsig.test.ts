import assert from "node:assert/strict";
import { decodeBase64Strict, encodeBase64 } from "../dmp/base64_strict.ts";
import { canonicalNameWire, rrsigLabels, signRRset } from "./rrsig.ts";
import { importSigningKey } from "./signing_key.ts";

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
