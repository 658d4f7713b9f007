/**
 * DNSSEC signing keys through WebCrypto only (this package stays
 * runtime-free): ECDSA P-256 with SHA-256 (algorithm 13, RFC 6605) and
 * Ed25519 (algorithm 15, RFC 8080). A zone has a KSK (flags 257 = Zone Key +
 * SEP, RFC 4034 §2.1.1: the key the parent's DS points to) and a ZSK (flags
 * 256), so each can be rolled on its own (`key_timeline.ts`); zones signed
 * before the split have one combined key (CSK, flags 257) in both roles.
 *
 * This module is browser compatible.
 * @module
 */

import { TYPE } from "../wire/constants.ts";

/** DNSSEC algorithm numbers we sign with (IANA "DNS Security Algorithm Numbers"). */
export const DNSSEC_ALGORITHM = { ECDSAP256SHA256: 13, ED25519: 15 } as const;

/** DNSKEY flags of a combined signing key: Zone Key (bit 7) + Secure Entry Point (bit 15). */
export const CSK_FLAGS = 257;

/** A signing key in memory: the private key handle and its DNSKEY. */
export interface SigningKey {
  algorithm: number;
  /** DNSKEY flags */
  flags: number;
  /** DNSKEY RDATA (flags, protocol 3, algorithm, public key) */
  dnskey: Uint8Array;
  /** key tag of {@linkcode dnskey} (RFC 4034 Appendix B) */
  keyTag: number;
  /** signs `data`; the signature in the RRSIG wire form of the algorithm */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** A generated key in its storable form (the private part is sealed before it is stored). */
export interface ExportedKey {
  algorithm: number;
  flags: number;
  /** PKCS#8 of the private key */
  pkcs8: Uint8Array;
}

function params(algorithm: number): EcKeyImportParams | Algorithm {
  if (algorithm === DNSSEC_ALGORITHM.ECDSAP256SHA256) return { name: "ECDSA", namedCurve: "P-256" };
  if (algorithm === DNSSEC_ALGORITHM.ED25519) return { name: "Ed25519" };
  throw new RangeError(`Cannot use DNSSEC algorithm ${algorithm}: only 13 and 15 are supported`);
}

/**
 * Generates a new key of `algorithm` (13 or 15) with DNSKEY `flags` (257 for
 * a KSK or CSK, 256 for a ZSK).
 *
 * @example
 * ```ts
 * import { generateSigningKey, importSigningKey } from "./signing_key.ts";
 * const k = await importSigningKey(await generateSigningKey(13));
 * if (k.dnskey.length !== 4 + 64) throw new Error();
 * ```
 */
export async function generateSigningKey(
  algorithm: number,
  flags: number = CSK_FLAGS,
): Promise<ExportedKey> {
  const pair = await crypto.subtle.generateKey(params(algorithm), true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  return { algorithm, flags, pkcs8 };
}

/** Imports a stored key (PKCS#8) for signing; derives its DNSKEY from the private key. */
export async function importSigningKey(k: ExportedKey): Promise<SigningKey> {
  const alg = params(k.algorithm);
  // The public key is recovered through JWK (x, y / x), so only the private key is stored.
  const extractable = await crypto.subtle.importKey("pkcs8", k.pkcs8.slice(), alg, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", extractable);
  const publicKey = k.algorithm === DNSSEC_ALGORITHM.ECDSAP256SHA256
    ? concat(base64Url(jwk.x!), base64Url(jwk.y!)) // RFC 6605 §4: Q = x | y, 64 octets
    : base64Url(jwk.x!); // RFC 8080 §3: the 32-octet public key
  const privateKey = await crypto.subtle.importKey("pkcs8", k.pkcs8.slice(), alg, false, ["sign"]);
  const dnskey = new Uint8Array(4 + publicKey.length);
  dnskey[0] = k.flags >> 8;
  dnskey[1] = k.flags & 0xff;
  dnskey[2] = 3; // RFC 4034 §2.1.2: protocol is always 3
  dnskey[3] = k.algorithm;
  dnskey.set(publicKey, 4);
  const signParams = k.algorithm === DNSSEC_ALGORITHM.ECDSAP256SHA256
    ? { name: "ECDSA", hash: "SHA-256" }
    : { name: "Ed25519" };
  return {
    algorithm: k.algorithm,
    flags: k.flags,
    dnskey,
    keyTag: keyTag(dnskey),
    // WebCrypto's ECDSA signature is r | s (IEEE P1363), the RFC 6605 §4 form as is.
    sign: async (data) =>
      new Uint8Array(await crypto.subtle.sign(signParams, privateKey, data.slice())),
  };
}

/**
 * The key tag of a DNSKEY RDATA (RFC 4034 Appendix B; not algorithm 1).
 *
 * @example
 * ```ts
 * import { keyTag } from "./signing_key.ts";
 * if (keyTag(new Uint8Array([1, 1, 3, 13])) !== ((0x0101 + 0x030d) & 0xffff)) throw new Error();
 * ```
 */
export function keyTag(dnskey: Uint8Array): number {
  let ac = 0;
  for (let i = 0; i < dnskey.length; i++) ac += i & 1 ? dnskey[i] : dnskey[i] << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

/**
 * The DS RDATA (digest type 2, SHA-256; RFC 4509) of a DNSKEY at `ownerWire`
 * (the zone apex in canonical wire form): key tag, algorithm, 2,
 * SHA-256(owner | DNSKEY RDATA) (RFC 4034 §5.1.4). Also the CDS RDATA (RFC 7344 §3.1).
 */
export async function dsRdata(ownerWire: Uint8Array, dnskey: Uint8Array): Promise<Uint8Array> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", concat(ownerWire, dnskey).slice()),
  );
  const tag = keyTag(dnskey);
  const out = new Uint8Array(4 + digest.length);
  out[0] = tag >> 8;
  out[1] = tag & 0xff;
  out[2] = dnskey[3];
  out[3] = 2;
  out.set(digest, 4);
  return out;
}

/** The RR types a signed apex gains (RFC 4034 §2, RFC 7344 §3). */
export const APEX_KEY_TYPES: readonly number[] = [TYPE.DNSKEY, TYPE.CDS, TYPE.CDNSKEY];

function base64Url(s: string): Uint8Array {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
