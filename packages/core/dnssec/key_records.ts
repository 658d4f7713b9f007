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

/** TTL written on the DS and DNSKEY lines (the node serves DNSKEY with the same). */
export const KEY_RECORD_TTL = 3600;

/**
 * The DS and DNSKEY lines of `key` for zone `zone` (canonical, no trailing dot).
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
): Promise<{ ds: string; dnskey: string }> {
  const digest = (await dsRdata(canonicalNameWire(zone), key.dnskey)).subarray(4);
  const owner = zone === "" ? "." : `${zone}.`;
  return {
    ds: `${owner} ${KEY_RECORD_TTL} IN DS ${key.keyTag} ${key.algorithm} 2 ${
      bytesToHex(digest).toUpperCase()
    }`,
    dnskey: `${owner} ${KEY_RECORD_TTL} IN DNSKEY ${key.flags} 3 ${key.algorithm} ${
      encodeBase64(key.dnskey.subarray(4))
    }`,
  };
}
