/**
 * HMAC (RFC 2104) over the SHA-256 compression function (FIPS 180-4 §6.2),
 * for SHA-256 and SHA-224 (SHA-256 with other initial values and a 28-octet
 * output), in plain TypeScript and synchronous.
 *
 * Why not WebCrypto: it has no SHA-224 (`hmac-sha224`, RFC 8945 §6), and for
 * `hmac-sha256`, the algorithm DMP mints, every `subtle.sign` is a thread-pool
 * round trip plus kilobytes of argument objects and off-heap buffers. Under an
 * UPDATE burst that garbage made the DNS thread stop for scavenges while plain
 * queries waited (issue 15). Here a key's inner and outer pad states are
 * computed once, and a MAC allocates only its own 28 or 32 octets.
 *
 * SHA-256 is add-rotate-xor with no secret-indexed table, so its running time
 * does not depend on the key or the data's values, only on the data's length.
 *
 * This module is browser compatible.
 * @module
 */

const K = new Uint32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

/** FIPS 180-4 §5.3.3 initial hash value of SHA-256. */
const IV256 = new Uint32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);

/** FIPS 180-4 §5.3.2 initial hash value of SHA-224. */
const IV224 = new Uint32Array([
  0xc1059ed8,
  0x367cd507,
  0x3070dd17,
  0xf70e5939,
  0xffc00b31,
  0x68581511,
  0x64f98fa7,
  0xbefa4fa4,
]);

/** The two hashes sharing the SHA-256 compression function. */
export type Sha256Variant = "SHA-256" | "SHA-224";

const BLOCK = 64;
/** Message schedule, reused: the module runs on one thread and never re-enters. */
const W = new Uint32Array(64);
/** Last one or two blocks of a message with its padding (FIPS 180-4 §5.1.1). */
const TAIL = new Uint8Array(2 * BLOCK);
/** The inner digest as the outer hash's message. */
const INNER_DIGEST = new Uint8Array(32);
/** Working state of a MAC in progress. */
const STATE = new Uint32Array(8);

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/** FIPS 180-4 §6.2.2: folds the 64-octet block at `off` of `block` into `h`. */
function compress(h: Uint32Array, block: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = ((block[j] << 24) | (block[j + 1] << 16) | (block[j + 2] << 8) | block[j + 3]) >>> 0;
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15];
    const w2 = W[i - 2];
    const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (let i = 0; i < 64; i++) {
    const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[i] + W[i]) >>> 0;
    const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) >>> 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) >>> 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) >>> 0;
  }
  h[0] = (h[0] + a) >>> 0;
  h[1] = (h[1] + b) >>> 0;
  h[2] = (h[2] + c) >>> 0;
  h[3] = (h[3] + d) >>> 0;
  h[4] = (h[4] + e) >>> 0;
  h[5] = (h[5] + f) >>> 0;
  h[6] = (h[6] + g) >>> 0;
  h[7] = (h[7] + hh) >>> 0;
}

/**
 * Hashes the first `length` octets of `data` into `h`, which already holds
 * the state after `before` octets (a whole number of blocks), and pads
 * (FIPS 180-4 §5.1.1) with the total length.
 */
function finish(h: Uint32Array, data: Uint8Array, length: number, before: number): void {
  const full = length - (length % BLOCK);
  for (let off = 0; off < full; off += BLOCK) compress(h, data, off);
  const rest = length - full;
  TAIL.fill(0);
  for (let i = 0; i < rest; i++) TAIL[i] = data[full + i];
  TAIL[rest] = 0x80;
  const tailLength = rest + 9 <= BLOCK ? BLOCK : 2 * BLOCK;
  const bits = (before + length) * 8;
  const hi = Math.floor(bits / 0x100000000);
  const lo = bits >>> 0;
  for (let i = 0; i < 4; i++) {
    TAIL[tailLength - 8 + i] = (hi >>> (24 - 8 * i)) & 0xff;
    TAIL[tailLength - 4 + i] = (lo >>> (24 - 8 * i)) & 0xff;
  }
  compress(h, TAIL, 0);
  if (tailLength > BLOCK) compress(h, TAIL, BLOCK);
}

function writeDigest(h: Uint32Array, out: Uint8Array, length = out.length): void {
  for (let i = 0; i < length; i++) out[i] = (h[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff;
}

function outputLength(variant: Sha256Variant): number {
  return variant === "SHA-224" ? 28 : 32;
}

/**
 * SHA-256 or SHA-224 digest (FIPS 180-4 §6.2, §6.3) of `data`.
 *
 * @example
 * ```ts
 * import { sha256Family } from "./hmac_sha256.ts";
 * if (sha256Family(new Uint8Array(), "SHA-224").length !== 28) throw new Error();
 * ```
 */
export function sha256Family(data: Uint8Array, variant: Sha256Variant): Uint8Array {
  const h = (variant === "SHA-224" ? IV224 : IV256).slice();
  finish(h, data, data.length, 0);
  const out = new Uint8Array(outputLength(variant));
  writeDigest(h, out);
  return out;
}

/**
 * An HMAC key (RFC 2104 §2) for SHA-256 or SHA-224, its padded-key states
 * computed once.
 *
 * @example
 * ```ts
 * import { Sha256Hmac } from "./hmac_sha256.ts";
 * const key = new Sha256Hmac(new TextEncoder().encode("Jefe"), "SHA-256");
 * const mac = key.mac(new TextEncoder().encode("what do ya want for nothing?"));
 * if (mac[0] !== 0x5b || mac.length !== 32) throw new Error(); // RFC 4231 test case 2
 * ```
 */
export class Sha256Hmac {
  readonly #inner = new Uint32Array(8);
  readonly #outer = new Uint32Array(8);
  readonly #outputLength: number;

  /** @param key the secret, of any length (a key longer than a block is hashed first) */
  constructor(key: Uint8Array, variant: Sha256Variant) {
    this.#outputLength = outputLength(variant);
    const k = key.length > BLOCK ? sha256Family(key, variant) : key;
    const pad = new Uint8Array(BLOCK);
    const iv = variant === "SHA-224" ? IV224 : IV256;
    for (let i = 0; i < BLOCK; i++) pad[i] = (k[i] ?? 0) ^ 0x36;
    this.#inner.set(iv);
    compress(this.#inner, pad, 0);
    for (let i = 0; i < BLOCK; i++) pad[i] = (k[i] ?? 0) ^ 0x5c;
    this.#outer.set(iv);
    compress(this.#outer, pad, 0);
    pad.fill(0);
  }

  /** The full-length MAC of `data`. */
  mac(data: Uint8Array): Uint8Array {
    STATE.set(this.#inner);
    finish(STATE, data, data.length, BLOCK);
    const length = this.#outputLength;
    writeDigest(STATE, INNER_DIGEST, length);
    STATE.set(this.#outer);
    finish(STATE, INNER_DIGEST, length, BLOCK);
    const out = new Uint8Array(length);
    writeDigest(STATE, out);
    return out;
  }
}
