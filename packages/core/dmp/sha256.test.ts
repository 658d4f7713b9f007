import assert from "node:assert/strict";
import { bytesToHex } from "./hex.ts";
import { sha256 } from "./sha256.ts";

Deno.test("sha256: FIPS 180-2 test vector", async () => {
  assert.equal(
    bytesToHex(await sha256(new TextEncoder().encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});
