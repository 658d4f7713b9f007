import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import {
  deriveEd25519SeedFromX25519Seed,
  isLowOrderEd25519PublicKey,
  LOW_ORDER_ED25519_PUBKEYS_HEX,
  parseOperatorSeedFile,
  publicKeyFromSeed,
  signEd25519,
  verifyEd25519,
} from "./ed25519_keys.ts";
import { bytesToHex, hexToBytes } from "./hex.ts";

const P = 2n ** 255n - 19n;

function leToBig(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

Deno.test("ed25519: block list = 8 canonical small-order points + 6 non-canonical aliases", () => {
  assert.equal(LOW_ORDER_ED25519_PUBKEYS_HEX.length, 14);
  assert.equal(new Set(LOW_ORDER_ED25519_PUBKEYS_HEX).size, 14);
  const canonical = new Set<string>();
  for (const h of LOW_ORDER_ED25519_PUBKEYS_HEX) {
    const bytes = hexToBytes(h)!;
    const y = leToBig(bytes) & ((1n << 255n) - 1n);
    const sign = bytes[31] >> 7;
    // Reduce y mod p and decode leniently (ZIP-215) to find the point each encoding names.
    const point = ed.Point.fromBytes(bytes, true);
    assert.ok(point.isSmallOrder(), h);
    const canon = point.toHex();
    if (canon === h) canonical.add(h);
    else assert.ok(y >= P || (point.x === 0n && sign === 1), `${h} is a non-canonical alias`);
  }
  assert.equal(canonical.size, 8);
  // Every one of the 8 torsion points has its canonical encoding listed.
  const torsion = new Set<string>();
  const t = ed.Point.fromBytes(
    hexToBytes("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")!,
  );
  let acc = ed.Point.ZERO;
  for (let i = 0; i < 8; i++) {
    torsion.add(acc.toHex());
    acc = acc.add(t);
  }
  assert.deepEqual([...torsion].sort(), [...canonical].sort());
});

Deno.test("ed25519: low-order keys are refused, including the identity forgery", async () => {
  const msg = new TextEncoder().encode("any message");
  for (const h of LOW_ORDER_ED25519_PUBKEYS_HEX) {
    const pub = hexToBytes(h)!;
    assert.ok(isLowOrderEd25519PublicKey(pub));
    // R = identity, S = 0 satisfies the cofactorless equation for the identity key.
    const sig = new Uint8Array(64);
    sig[0] = 1;
    assert.equal(await verifyEd25519(sig, msg, pub), false);
  }
  assert.ok(isLowOrderEd25519PublicKey(new Uint8Array(31)));
});

Deno.test("ed25519: sign/verify round trip and malformed inputs return false", async () => {
  const seed = new Uint8Array(32).fill(3);
  const pub = await publicKeyFromSeed(seed);
  assert.equal(isLowOrderEd25519PublicKey(pub), false);
  const msg = new TextEncoder().encode("hello");
  const sig = await signEd25519(msg, seed);
  assert.ok(await verifyEd25519(sig, msg, pub));
  assert.equal(await verifyEd25519(sig, new TextEncoder().encode("hellO"), pub), false);
  assert.equal(await verifyEd25519(sig.slice(0, 63), msg, pub), false);
  assert.equal(await verifyEd25519(sig, msg, pub.slice(0, 31)), false);
  // Non-canonical S (S + L) is refused.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const s = leToBig(sig.slice(32)) + L;
  const bad = sig.slice();
  let v = s;
  for (let i = 32; i < 64; i++) {
    bad[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  assert.equal(await verifyEd25519(bad, msg, pub), false);
  // A key with y ≥ p (non-canonical encoding) is refused rather than throwing.
  const nonCanon = hexToBytes("f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")!;
  assert.equal(await verifyEd25519(sig, msg, nonCanon), false);
  await assert.rejects(() => signEd25519(msg, new Uint8Array(16)), RangeError);
});

Deno.test("ed25519: X25519-seed derivation matches the vector keys (brief §6)", async () => {
  const cases: Array<[string, string]> = [
    // claim.json sender, cluster_manifest.json operator
    [
      "b436f67e89143a92a818ad525b75330851dfc4cd55e3d550f6c5529ada02bc3c",
      "11fd06e50ca24a80c1309cdefc4cba30b64269f21647fe0b393962bb1b8d27aa",
    ],
    [
      "d373740143cc05dbf6a52d29cd418d44a21b5cada8db6a1eba2cdcaa2d10a9ac",
      "2ec2785b7b2e0f5cf5a3bf6fc620cb9e1e67fa798577cfbfea34c46a20fc168b",
    ],
  ];
  for (const [x, spk] of cases) {
    const seed = await deriveEd25519SeedFromX25519Seed(hexToBytes(x)!);
    assert.equal(bytesToHex(await publicKeyFromSeed(seed)), spk);
  }
});

Deno.test("ed25519: operator key file parsing (raw 32 bytes or 64 hex, stripped)", () => {
  const raw = Uint8Array.from({ length: 32 }, (_, i) => i + 0x40);
  assert.deepEqual(parseOperatorSeedFile(raw), raw);
  const hexText = new TextEncoder().encode("  " + bytesToHex(raw).toUpperCase() + "\n");
  assert.deepEqual(parseOperatorSeedFile(hexText), raw);
  assert.equal(parseOperatorSeedFile(new Uint8Array(33).fill(0x41)), null);
  assert.equal(parseOperatorSeedFile(new TextEncoder().encode("zz".repeat(32))), null);
});
