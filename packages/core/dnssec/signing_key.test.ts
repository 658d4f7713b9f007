import assert from "node:assert/strict";
import { decodeBase64Strict } from "../dmp/base64_strict.ts";
import { bytesToHex } from "../dmp/hex.ts";
import { canonicalNameWire } from "./rrsig.ts";
import { dsRdata, generateSigningKey, importSigningKey, keyTag } from "./signing_key.ts";

function dnskey(flags: number, algorithm: number, publicKey: string): Uint8Array {
  const key = decodeBase64Strict(publicKey)!;
  return Uint8Array.from([flags >> 8, flags & 0xff, 3, algorithm, ...key]);
}

Deno.test("keyTag() and dsRdata() match the RFC 6605 §6.1 (P-256) and RFC 8080 §6.1 (Ed25519) examples", async () => {
  const p256 = dnskey(
    257,
    13,
    "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
  );
  assert.equal(keyTag(p256), 55648);
  const ds = await dsRdata(canonicalNameWire("example.net"), p256);
  assert.equal(
    bytesToHex(ds),
    "d9600d02" + "b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17",
  );
  const ed = dnskey(257, 15, "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=");
  assert.equal(keyTag(ed), 3613);
  assert.equal(
    bytesToHex((await dsRdata(canonicalNameWire("example.com"), ed)).subarray(4)),
    "3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b",
  );
});

Deno.test("generateSigningKey() makes keys whose DNSKEY verifies their signatures", async () => {
  const cases: [number, EcKeyImportParams | Algorithm, EcdsaParams | Algorithm, number][] = [
    [13, { name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }, 64],
    [15, { name: "Ed25519" }, { name: "Ed25519" }, 32],
  ];
  for (const [algorithm, params, verify, length] of cases) {
    const key = await importSigningKey(await generateSigningKey(algorithm));
    assert.equal(key.dnskey.length, 4 + length);
    assert.equal(key.flags, 257);
    const raw = algorithm === 13
      ? Uint8Array.from([4, ...key.dnskey.subarray(4)])
      : key.dnskey.slice(4);
    const pub = await crypto.subtle.importKey("raw", raw, params, false, ["verify"]);
    const data = new TextEncoder().encode("signed data");
    const sig = await key.sign(data);
    assert.ok(await crypto.subtle.verify(verify, pub, sig.slice(), data));
  }
});

Deno.test("generateSigningKey() refuses algorithms other than 13 and 15", async () => {
  await assert.rejects(() => generateSigningKey(8), /only 13 and 15/);
});
