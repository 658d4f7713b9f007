import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { sha256Family, Sha256Hmac } from "./hmac_sha256.ts";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const text = (s: string) => new TextEncoder().encode(s);
const mac = (key: Uint8Array, data: Uint8Array, variant: "SHA-256" | "SHA-224") =>
  hex(new Sha256Hmac(key, variant).mac(data));

Deno.test("SHA-224 and SHA-256 FIPS 180-4 examples", () => {
  const abc = text("abc");
  const long = text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  assert.equal(
    hex(sha256Family(abc, "SHA-224")),
    "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
  );
  assert.equal(
    hex(sha256Family(new Uint8Array(), "SHA-224")),
    "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
  );
  assert.equal(
    hex(sha256Family(long, "SHA-224")),
    "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
  );
  assert.equal(
    hex(sha256Family(new Uint8Array(1_000_000).fill(0x61), "SHA-224")),
    "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67",
  );
  assert.equal(
    hex(sha256Family(abc, "SHA-256")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    hex(sha256Family(long, "SHA-256")),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("HMAC-SHA-224 and HMAC-SHA-256: RFC 4231 test cases 1, 2, 6", () => {
  const cases: [Uint8Array, Uint8Array, string, string][] = [
    [
      new Uint8Array(20).fill(0x0b),
      text("Hi There"),
      "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    ],
    [
      text("Jefe"),
      text("what do ya want for nothing?"),
      "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ],
    [
      new Uint8Array(131).fill(0xaa),
      text("Test Using Larger Than Block-Size Key - Hash Key First"),
      "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ],
  ];
  for (const [key, data, sha224, sha256] of cases) {
    assert.equal(mac(key, data, "SHA-224"), sha224);
    assert.equal(mac(key, data, "SHA-256"), sha256);
  }
});

Deno.test("HMAC agrees with node:crypto across key and message lengths at every block edge", () => {
  for (const keyLength of [0, 1, 32, 63, 64, 65, 130]) {
    const key = new Uint8Array(keyLength).map((_, i) => (i * 7 + 3) & 0xff);
    const k256 = new Sha256Hmac(key, "SHA-256");
    const k224 = new Sha256Hmac(key, "SHA-224");
    for (let length = 0; length <= 200; length++) {
      const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
      assert.equal(
        hex(k256.mac(data)),
        createHmac("sha256", key).update(data).digest("hex"),
        `sha256 key ${keyLength} data ${length}`,
      );
      assert.equal(
        hex(k224.mac(data)),
        createHmac("sha224", key).update(data).digest("hex"),
        `sha224 key ${keyLength} data ${length}`,
      );
    }
  }
});
