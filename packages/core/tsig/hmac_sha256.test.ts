import assert from "node:assert/strict";
import { hmacSha224, sha224 } from "./hmac_sha224.ts";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const text = (s: string) => new TextEncoder().encode(s);

Deno.test("SHA-224 FIPS 180-4 examples", () => {
  assert.equal(
    hex(sha224(text("abc"))),
    "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
  );
  assert.equal(
    hex(sha224(new Uint8Array())),
    "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
  );
  assert.equal(
    hex(sha224(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
  );
  assert.equal(
    hex(sha224(new Uint8Array(1_000_000).fill(0x61))),
    "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67",
  );
});

Deno.test("HMAC-SHA-224 RFC 4231 test cases 1, 2, 6", () => {
  assert.equal(
    hex(hmacSha224(new Uint8Array(20).fill(0x0b), text("Hi There"))),
    "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
  );
  assert.equal(
    hex(hmacSha224(text("Jefe"), text("what do ya want for nothing?"))),
    "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
  );
  assert.equal(
    hex(
      hmacSha224(
        new Uint8Array(131).fill(0xaa),
        text("Test Using Larger Than Block-Size Key - Hash Key First"),
      ),
    ),
    "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
  );
});
