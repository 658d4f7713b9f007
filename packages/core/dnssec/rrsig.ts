/**
 * RRSIG generation (RFC 4034 §3, RFC 4035 §2.2): the RRSIG RDATA over one
 * RRset in canonical form (RFC 4034 §6: lower-case owner and embedded names,
 * RRs ordered by RDATA as unsigned octet strings, duplicates dropped, the
 * original TTL).
 *
 * This module is browser compatible.
 * @module
 */

import { CLASS, TYPE } from "../wire/constants.ts";
import { encodeName, nameWireLength } from "../wire/name.ts";
import type { SigningKey } from "./signing_key.ts";

/** One RRset as it is signed. */
export interface RRsetToSign {
  /** owner, canonical text; a wildcard owner (`*.example`) for synthesized answers */
  owner: string;
  type: number;
  /** the original TTL (RFC 4034 §3.1.4) */
  ttl: number;
  rdatas: readonly Uint8Array[];
}

/** The validity window of a signature, in seconds since the epoch. */
export interface Validity {
  inception: number;
  expiration: number;
}

/**
 * The canonical wire form of a name (RFC 4034 §6.2: uncompressed, ASCII
 * lower case).
 *
 * @example
 * ```ts
 * import { canonicalNameWire } from "./rrsig.ts";
 * if (canonicalNameWire("A.b").join() !== "1,97,1,98,0") throw new Error();
 * ```
 */
export function canonicalNameWire(name: string): Uint8Array {
  const plain = plainNameWire(name);
  if (plain !== undefined) return plain;
  const length = nameWireLength(name);
  if (length < 0) throw new RangeError(`Cannot sign: "${name}" is not a valid name`);
  const out = new Uint8Array(length);
  encodeName(out, 0, name);
  lowerCase(out, 0, out.length);
  return out;
}

/**
 * {@linkcode canonicalNameWire} of the common name in one pass over the text
 * (every signed answer encodes two or three): printable ASCII without escapes,
 * no trailing dot, labels of 1–63 octets, at most 255 octets in all. Anything
 * else is undefined and takes the full parser (`wire/name.ts`).
 */
function plainNameWire(name: string): Uint8Array | undefined {
  const n = name.length;
  if (n === 0 || n > 253) return undefined;
  const out = new Uint8Array(n + 2);
  let lengthAt = 0;
  let length = 0;
  for (let i = 0; i < n; i++) {
    let c = name.charCodeAt(i);
    if (c === 0x2e) {
      if (length === 0 || length > 63) return undefined;
      out[lengthAt] = length;
      lengthAt = i + 1;
      length = 0;
      continue;
    }
    if (c === 0x5c || c <= 0x20 || c >= 0x7f) return undefined;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    out[i + 1] = c;
    length++;
  }
  if (length === 0 || length > 63) return undefined;
  out[lengthAt] = length;
  return out;
}

/**
 * Labels of an owner for the RRSIG Labels field (RFC 4034 §3.1.3): the root
 * and a leading `*` label do not count, so a validator sees a wildcard
 * expansion (RFC 4035 §5.3.2).
 */
export function rrsigLabels(owner: string): number {
  if (owner === "" || owner === "*") return 0;
  let n = 1;
  for (let i = 0; i < owner.length; i++) if (owner.charCodeAt(i) === 0x2e) n++;
  return owner.startsWith("*.") ? n - 1 : n;
}

/**
 * The RRSIG RDATA for `rrset`, signed by `key` for zone `signer`.
 *
 * @example
 * ```ts
 * import { signRRset } from "./rrsig.ts";
 * import { generateSigningKey, importSigningKey } from "./signing_key.ts";
 * const key = await importSigningKey(await generateSigningKey(13));
 * const sig = await signRRset(key, "example", { owner: "www.example", type: 1, ttl: 300, rdatas: [new Uint8Array(4)] }, { inception: 0, expiration: 1 });
 * if (sig.length !== 18 + 9 + 64) throw new Error();
 * ```
 */
export async function signRRset(
  key: SigningKey,
  signer: string,
  rrset: RRsetToSign,
  validity: Validity,
): Promise<Uint8Array> {
  const signerWire = canonicalNameWire(signer);
  const head = new Uint8Array(18 + signerWire.length);
  const v = new DataView(head.buffer);
  v.setUint16(0, rrset.type);
  head[2] = key.algorithm;
  head[3] = rrsigLabels(rrset.owner);
  v.setUint32(4, rrset.ttl >>> 0);
  v.setUint32(8, validity.expiration >>> 0);
  v.setUint32(12, validity.inception >>> 0);
  v.setUint16(16, key.keyTag);
  head.set(signerWire, 18);
  const signature = await key.sign(signedData(head, rrset));
  const out = new Uint8Array(head.length + signature.length);
  out.set(head);
  out.set(signature, head.length);
  return out;
}

/** RFC 4034 §3.1.8.1: RRSIG RDATA without the signature, then each RR in canonical form and order. */
function signedData(head: Uint8Array, rrset: RRsetToSign): Uint8Array {
  const owner = canonicalNameWire(rrset.owner);
  const rdatas = rrset.rdatas.map((r) => canonicalRdata(rrset.type, r)).sort(compareBytes);
  const unique = rdatas.filter((r, i) => i === 0 || compareBytes(rdatas[i - 1], r) !== 0);
  let length = head.length;
  for (const r of unique) length += owner.length + 10 + r.length;
  const out = new Uint8Array(length);
  const v = new DataView(out.buffer);
  out.set(head);
  let pos = head.length;
  for (const r of unique) {
    out.set(owner, pos);
    pos += owner.length;
    v.setUint16(pos, rrset.type);
    v.setUint16(pos + 2, CLASS.IN);
    v.setUint32(pos + 4, rrset.ttl >>> 0);
    v.setUint16(pos + 8, r.length);
    out.set(r, pos + 10);
    pos += 10 + r.length;
  }
  return out;
}

/**
 * RDATA with its embedded names lower-cased for the types RFC 4034 §6.2
 * (as amended by RFC 6840 §5.1) lists that we serve. A length octet of a
 * label is at most 63, below 'A', so only name bytes change.
 */
function canonicalRdata(type: number, rdata: Uint8Array): Uint8Array {
  let from = 0;
  let to = rdata.length;
  switch (type) {
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
    case TYPE.DNAME:
      break;
    case TYPE.MX:
      from = 2;
      break;
    case TYPE.SRV:
      from = 6;
      break;
    case TYPE.SOA:
      to = rdata.length - 20; // two names, then five 32-bit fields
      break;
    default:
      return rdata;
  }
  const out = rdata.slice();
  lowerCase(out, from, to);
  return out;
}

function lowerCase(bytes: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) if (bytes[i] >= 0x41 && bytes[i] <= 0x5a) bytes[i] |= 0x20;
}

/**
 * Orders byte strings as RFC 4034 §6.3 orders RDATA (left-justified unsigned
 * octets, a prefix first).
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
