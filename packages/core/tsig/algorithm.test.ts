import assert from "node:assert/strict";
import {
  canonicalAlgorithmName,
  DEFAULT_ALGORITHM,
  HMAC_MD5,
  isKnownAlgorithmName,
  minimumMacLength,
  SUPPORTED_ALGORITHMS,
  tsigAlgorithm,
} from "./algorithm.ts";

Deno.test("algorithm table: hashes and MAC lengths (RFC 8945 §6)", () => {
  const table = SUPPORTED_ALGORITHMS.map((n) => {
    const a = tsigAlgorithm(n);
    assert.ok(a);
    return [a.name, a.hash, a.macLength, minimumMacLength(a)];
  });
  assert.deepEqual(table, [
    ["hmac-sha1", "SHA-1", 20, 10],
    ["hmac-sha224", "SHA-224", 28, 14],
    ["hmac-sha256", "SHA-256", 32, 16],
    ["hmac-sha384", "SHA-384", 48, 24],
    ["hmac-sha512", "SHA-512", 64, 32],
  ]);
  assert.equal(DEFAULT_ALGORITHM, "hmac-sha256");
});

Deno.test("names are case-insensitive, trailing dot optional; MD5 known but unsupported", () => {
  assert.equal(tsigAlgorithm("HMAC-SHA256.")?.name, "hmac-sha256");
  assert.equal(canonicalAlgorithmName("Hmac-Sha1."), "hmac-sha1");
  assert.equal(tsigAlgorithm(HMAC_MD5), undefined);
  assert.equal(tsigAlgorithm("HMAC-MD5.SIG-ALG.REG.INT."), undefined);
  assert.equal(isKnownAlgorithmName("HMAC-MD5.SIG-ALG.REG.INT."), true);
  assert.equal(isKnownAlgorithmName("gss-tsig"), false);
  assert.equal(tsigAlgorithm("gss-tsig"), undefined);
  assert.equal(tsigAlgorithm(""), undefined);
});
