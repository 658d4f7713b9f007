/**
 * A signing key in presentation form for operators: the DS to publish at the
 * parent (digest type 2, SHA-256, RFC 4509) and the DNSKEY (a trust anchor
 * for validators such as delv and unbound). One spelling for the CLI and the
 * operator API.
 *
 * This module is browser compatible.
 * @module
 */

import { bytesToHex } from "../dmp/hex.ts";
import { encodeBase64 } from "../dmp/base64_strict.ts";
import { canonicalNameWire } from "./rrsig.ts";
import { dsRdata, type SigningKey } from "./signing_key.ts";

/** Default TTL of DNSKEY, CDS and CDNSKEY (`DMP_DNSSEC_DNSKEY_TTL`'s default). */
export const KEY_RECORD_TTL = 3600;

/**
 * The DS and DNSKEY lines of `key` for zone `zone` (canonical, no trailing
 * dot), with TTL `ttl` (the node serves DNSKEY with `DMP_DNSSEC_DNSKEY_TTL`).
 *
 * @example
 * ```ts ignore
 * const { ds, dnskey } = await keyRecords("example.com", key);
 * // ds: "example.com. 3600 IN DS 12345 13 2 ABCD…"
 * ```
 */
export async function keyRecords(
  zone: string,
  key: SigningKey,
  ttl: number = KEY_RECORD_TTL,
): Promise<{ ds: string; dnskey: string }> {
  const digest = (await dsRdata(canonicalNameWire(zone), key.dnskey)).subarray(4);
  const owner = zone === "" ? "." : `${zone}.`;
  return {
    ds: `${owner} ${ttl} IN DS ${key.keyTag} ${key.algorithm} 2 ${
      bytesToHex(digest).toUpperCase()
    }`,
    dnskey: `${owner} ${ttl} IN DNSKEY ${key.flags} 3 ${key.algorithm} ${
      encodeBase64(key.dnskey.subarray(4))
    }`,
  };
}
