/**
 * Ed25519 signing/verification with the reference's low-order public-key block list
 * (brief §0 primitives, §4.2, §5.2; reference `dmp/core/ed25519_points.py`).
 *
 * Verification uses `@noble/ed25519` with `zip215: false` (RFC 8032 strict decoding, canonical
 * `S`), the closest match to the OpenSSL verifier the reference uses; the explicit block list
 * is kept anyway so the accept/reject decision for these encodings never depends on library
 * policy.
 *
 * @module
 */

import * as ed from "@noble/ed25519";
import { bytesToHex, hexToBytes } from "./hex.ts";
import { sha256 } from "./sha256.ts";
import { encodeUtf8 } from "./utf8.ts";

/**
 * The 14 public-key encodings the reference refuses before any verify: the canonical encodings
 * of the 8 small-order points (orders 1, 2, 4, 8; identity `01 00..00` and the all-zero
 * order-4 point among them) plus 6 non-canonical aliases (y ≥ p, or x = 0 with the sign bit
 * set) that lenient decoders map onto those points. Hex, lower case.
 */
export const LOW_ORDER_ED25519_PUBKEYS_HEX: readonly string[] = Object.freeze([
  // Canonical small-order points, both signs.
  "0100000000000000000000000000000000000000000000000000000000000000",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  // Non-canonical aliases.
  "0100000000000000000000000000000000000000000000000000000000000080",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
]);

const LOW_ORDER_SET: ReadonlySet<string> = new Set(LOW_ORDER_ED25519_PUBKEYS_HEX);

/** Domain-separation suffix for deriving a user's Ed25519 seed from the X25519 seed (brief §6). */
export const ED25519_FROM_X25519_SUFFIX = "DMP-v1-Ed25519-signing-key";

/**
 * True iff `pub` must be refused as an Ed25519 public key: a block-listed low-order encoding,
 * or not exactly 32 bytes (fail closed, like `is_low_order`).
 */
export function isLowOrderEd25519PublicKey(pub: Uint8Array): boolean {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) return true;
  return LOW_ORDER_SET.has(bytesToHex(pub));
}

/**
 * Verify an Ed25519 signature over `msg`. Block-listed keys are rejected first; any malformed
 * input (wrong lengths, undecodable points, non-canonical `S`) yields `false`. Never throws.
 */
export async function verifyEd25519(
  sig: Uint8Array,
  msg: Uint8Array,
  pub: Uint8Array,
): Promise<boolean> {
  try {
    if (isLowOrderEd25519PublicKey(pub)) return false;
    if (!(sig instanceof Uint8Array) || sig.length !== 64) return false;
    if (!(msg instanceof Uint8Array)) return false;
    return await ed.verifyAsync(sig, msg, pub, { zip215: false });
  } catch {
    return false;
  }
}

/** Sign `msg` with a raw 32-byte RFC 8032 seed (deterministic). Throws on a malformed seed. */
export async function signEd25519(msg: Uint8Array, seed: Uint8Array): Promise<Uint8Array> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new RangeError("Ed25519 seed must be 32 bytes");
  }
  return await ed.signAsync(msg, seed);
}

/** Public key for a raw 32-byte RFC 8032 seed. Throws on a malformed seed. */
export async function publicKeyFromSeed(seed: Uint8Array): Promise<Uint8Array> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new RangeError("Ed25519 seed must be 32 bytes");
  }
  return await ed.getPublicKeyAsync(seed);
}

/**
 * Ed25519 seed of a DMP user key: `sha256(x25519Seed ‖ "DMP-v1-Ed25519-signing-key")`
 * (brief §6, §9 fact 1). Vector-file seeds are X25519 seeds and need this; the heartbeat
 * operator key is a raw Ed25519 seed and must NOT go through it.
 */
export async function deriveEd25519SeedFromX25519Seed(x25519Seed: Uint8Array): Promise<Uint8Array> {
  const suffix = encodeUtf8(ED25519_FROM_X25519_SUFFIX);
  const input = new Uint8Array(x25519Seed.length + suffix.length);
  input.set(x25519Seed, 0);
  input.set(suffix, x25519Seed.length);
  return await sha256(input);
}

/**
 * Parse an operator key file's contents the way the reference does (brief §4.2): the text is
 * whitespace-stripped, then exactly 32 bytes ⇒ raw seed, else 64 hex chars ⇒ seed, else `null`.
 * Takes raw file bytes so a binary seed is not mangled by text decoding.
 */
export function parseOperatorSeedFile(contents: Uint8Array): Uint8Array | null {
  // Python bytes.strip() removes ASCII whitespace: space, \t, \n, \r, \v, \f.
  const isWs = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
  let start = 0;
  let end = contents.length;
  while (start < end && isWs(contents[start])) start++;
  while (end > start && isWs(contents[end - 1])) end--;
  const stripped = contents.slice(start, end);
  if (stripped.length === 32) return stripped;
  if (stripped.length === 64) {
    let text = "";
    for (const b of stripped) text += String.fromCharCode(b);
    return hexToBytes(text);
  }
  return null;
}
