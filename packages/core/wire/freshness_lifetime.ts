/**
 * How long an HTTP cache may keep a DNS response (RFC 8484 §5.1): no longer
 * than the smallest TTL in the answer section; with no answer records and an
 * SOA in the authority section (a negative answer), no longer than
 * min(SOA TTL, SOA MINIMUM) (RFC 2308 §5). Anything else (errors, empty
 * truncated answers) gets 0: there is no TTL to bound it.
 *
 * This module is browser compatible.
 * @module
 */

import { LIMIT, TYPE } from "./constants.ts";
import { skipName } from "./name.ts";
import { readUint16 } from "./network_order.ts";

/** A TTL field; RFC 2181 §8: a value with the top bit set counts as 0. */
function ttlAt(b: Uint8Array, p: number): number {
  return b[p] & 0x80 ? 0 : (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
}

/**
 * Seconds of HTTP freshness for an encoded DNS response; 0 when it has
 * no TTL to go by or cannot be read.
 *
 * @example
 * ```ts
 * import { freshnessLifetime } from "./freshness_lifetime.ts";
 * if (freshnessLifetime(new Uint8Array(12)) !== 0) throw new Error();
 * ```
 */
export function freshnessLifetime(response: Uint8Array): number {
  if (response.length < LIMIT.HEADER) return 0;
  const qdcount = readUint16(response, 4);
  const ancount = readUint16(response, 6);
  const nscount = readUint16(response, 8);
  let pos: number = LIMIT.HEADER;
  for (let i = 0; i < qdcount; i++) {
    const end = skipName(response, pos);
    if (end < 0) return 0;
    pos = end + 4;
  }
  let min = Infinity;
  for (let i = 0; i < ancount + nscount; i++) {
    const end = skipName(response, pos);
    if (end < 0 || end + 10 > response.length) return 0;
    const type = readUint16(response, end);
    const ttl = ttlAt(response, end + 4);
    const rdEnd = end + 10 + readUint16(response, end + 8);
    if (rdEnd > response.length) return 0;
    if (i < ancount) {
      min = Math.min(min, ttl);
    } else if (ancount === 0 && type === TYPE.SOA) {
      // SOA RDATA ends with five 32-bit fields; MINIMUM is the last.
      min = Math.min(min, ttl, ttlAt(response, rdEnd - 4));
    }
    pos = rdEnd;
  }
  return min === Infinity ? 0 : min;
}
