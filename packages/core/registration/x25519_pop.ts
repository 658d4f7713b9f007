/**
 * X25519 through WebCrypto (Node 20, Deno and workerd all implement
 * `{ name: "X25519" }`; checked before choosing it over a JS library) and the
 * registration proof of possession (brief §2.3 step 8, §9 fact 7):
 * `HMAC-SHA256(key = X25519(priv, peer), msg = challenge ‖ utf8(subject) ‖ x25519_pub)`.
 * The server computes it with the challenge's ephemeral private key and the
 * client's public key; the client with its private key and the server's
 * ephemeral public key.
 *
 * This module is browser compatible.
 * @module
 */

import { timingSafeEqual } from "../crypto/timing_safe_equal.ts";

const encoder = new TextEncoder();
// DER prefix of a PKCS#8 X25519 private key (RFC 8410 §7): WebCrypto cannot
// import a raw private key, so the 32 bytes are wrapped.
const PKCS8_X25519_PREFIX = new Uint8Array([
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
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
]);

function base64UrlToBytes(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function importPrivate(priv: Uint8Array): Promise<CryptoKey> {
  const der = new Uint8Array(48);
  der.set(PKCS8_X25519_PREFIX);
  der.set(priv, 16);
  return await crypto.subtle.importKey("pkcs8", der, { name: "X25519" }, true, ["deriveBits"]);
}

/**
 * The X25519 public key of a 32-byte private key (RFC 7748 §6.1).
 *
 * @param priv 32 bytes (clamped by X25519 itself)
 * @returns the 32-byte public key
 *
 * @example Reference vector server key
 * ```ts
 * import { x25519PublicKey } from "./x25519_pop.ts";
 * import { bytesToHex, hexToBytes } from "../dmp/hex.ts";
 * const pub = await x25519PublicKey(hexToBytes("8f9da6c2faaf4e5de53d765c4976e15fd1312479a6561dcbe462577c2e06875d")!);
 * if (bytesToHex(pub) !== "7397c27ac385ab9833c0c4188c1e05a039871ffbf85dbcf679e2d2c1f4867c0c") throw new Error();
 * ```
 */
export async function x25519PublicKey(priv: Uint8Array): Promise<Uint8Array> {
  if (priv.length !== 32) {
    throw new RangeError("Cannot derive X25519 key: private key must be 32 bytes");
  }
  const jwk = await crypto.subtle.exportKey("jwk", await importPrivate(priv));
  if (typeof jwk.x !== "string") throw new TypeError("Cannot derive X25519 key: no public part");
  return base64UrlToBytes(jwk.x);
}

/**
 * X25519 shared secret, or null when the peer key is unusable (wrong length,
 * or a low-order point giving the all-zero secret, which WebCrypto refuses).
 *
 * @param priv our 32-byte private key
 * @param peer the peer's 32-byte public key
 * @returns the 32-byte shared secret, or null
 *
 * @example
 * ```ts
 * import { x25519SharedSecret } from "./x25519_pop.ts";
 * if (await x25519SharedSecret(new Uint8Array(32).fill(7), new Uint8Array(32)) !== null) throw new Error();
 * ```
 */
export async function x25519SharedSecret(
  priv: Uint8Array,
  peer: Uint8Array,
): Promise<Uint8Array | null> {
  if (priv.length !== 32 || peer.length !== 32) return null;
  try {
    const pub = await crypto.subtle.importKey("raw", peer.slice(), { name: "X25519" }, true, []);
    const bits = await crypto.subtle.deriveBits(
      { name: "X25519", public: pub },
      await importPrivate(priv),
      256,
    );
    const out = new Uint8Array(bits);
    return out.every((b) => b === 0) ? null : out;
  } catch {
    return null;
  }
}

/**
 * HMAC-SHA256 of `data` under `key`.
 *
 * @param key the HMAC key bytes
 * @param data the message
 * @returns the 32-byte MAC
 *
 * @example
 * ```ts
 * import { hmacSha256 } from "./x25519_pop.ts";
 * if ((await hmacSha256(new Uint8Array(32), new Uint8Array(0))).length !== 32) throw new Error();
 * ```
 */
export async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    key.slice(),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data.slice()));
}

/** Inputs of the proof of possession. */
export interface PopInput {
  /** the 32-byte X25519 shared secret */
  shared: Uint8Array;
  /** the 32 raw challenge bytes */
  challenge: Uint8Array;
  /** the canonical subject */
  subject: string;
  /** the client's 32-byte X25519 public key */
  x25519Pub: Uint8Array;
}

/**
 * Computes the X25519 proof of possession (brief §2.3 step 8).
 *
 * @param input the shared secret, challenge, subject and client public key
 * @returns the 32-byte HMAC
 *
 * @example
 * ```ts
 * import { computeX25519Pop } from "./x25519_pop.ts";
 * const pop = await computeX25519Pop({ shared: new Uint8Array(32).fill(1), challenge: new Uint8Array(32),
 *   subject: "a@b.c", x25519Pub: new Uint8Array(32) });
 * if (pop.length !== 32) throw new Error();
 * ```
 */
export async function computeX25519Pop(input: PopInput): Promise<Uint8Array> {
  const subject = encoder.encode(input.subject);
  const msg = new Uint8Array(input.challenge.length + subject.length + input.x25519Pub.length);
  msg.set(input.challenge, 0);
  msg.set(subject, input.challenge.length);
  msg.set(input.x25519Pub, input.challenge.length + subject.length);
  return await hmacSha256(input.shared, msg);
}

/**
 * Checks a client's proof of possession in constant time.
 *
 * @param input the server's ephemeral private key, the claimed PoP and the PoP inputs
 * @returns true when the client holds the private key of `x25519Pub`
 *
 * @example
 * ```ts
 * import { verifyX25519Pop } from "./x25519_pop.ts";
 * const ok = await verifyX25519Pop({ serverPriv: new Uint8Array(32).fill(9), pop: new Uint8Array(32),
 *   challenge: new Uint8Array(32), subject: "a@b.c", x25519Pub: new Uint8Array(32) });
 * if (ok) throw new Error();
 * ```
 */
export async function verifyX25519Pop(
  input: Omit<PopInput, "shared"> & { serverPriv: Uint8Array; pop: Uint8Array },
): Promise<boolean> {
  const shared = await x25519SharedSecret(input.serverPriv, input.x25519Pub);
  if (!shared) return false;
  const expected = await computeX25519Pop({ ...input, shared });
  return timingSafeEqual(expected, input.pop);
}
