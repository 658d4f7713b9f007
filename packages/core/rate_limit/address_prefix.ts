/**
 * A 32-bit hash of an IP address's network prefix (e.g. the /24 of an IPv4
 * and the /56 of an IPv6 address), read from the transport's text form
 * without allocating: limiters on the UDP answer path key on it (response
 * rate limiting groups a client's network as NSD, Knot and BIND do, so a
 * spoofer cannot spread one victim over 256 addresses), and TCP counts
 * connections per prefix.
 *
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack socket reports for
 * IPv4 peers) counts as the IPv4 address. Text that is not an address (never
 * from a socket) hashes whole, so it still gets a key of its own.
 *
 * This module is browser compatible.
 * @module
 */

import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";

// Parse scratch shared by every call (the hash is computed before returning).
const bytes = new Uint8Array(16);

/**
 * Hashes the first `v4Bits` of an IPv4 address or the first `v6Bits` of an
 * IPv6 address; addresses in the same prefix hash alike.
 *
 * @example
 * ```ts
 * import { addressPrefixHash } from "./address_prefix.ts";
 * const a = addressPrefixHash("192.0.2.1", 24, 56);
 * if (a !== addressPrefixHash("192.0.2.200", 24, 56)) throw new Error();
 * if (a === addressPrefixHash("192.0.3.1", 24, 56)) throw new Error();
 * if (a !== addressPrefixHash("::ffff:192.0.2.9", 24, 56)) throw new Error();
 * ```
 */
export function addressPrefixHash(address: string, v4Bits: number, v6Bits: number): number {
  let end = address.indexOf("%"); // IPv6 zone index (fe80::1%eth0)
  if (end < 0) end = address.length;
  if (address.indexOf(":") < 0) {
    if (parseIpv4(address, 0, end, 0)) return hashBits(4, 0, v4Bits);
  } else if (parseIpv6(address, end)) {
    let mapped = bytes[10] === 0xff && bytes[11] === 0xff;
    for (let i = 0; i < 10 && mapped; i++) mapped = bytes[i] === 0;
    return mapped ? hashBits(4, 12, v4Bits) : hashBits(6, 0, v6Bits);
  }
  let h = FNV1A_START;
  for (let i = 0; i < address.length; i++) h = fnv1aStep(h, address.charCodeAt(i));
  return h >>> 0;
}

function hashBits(family: number, offset: number, bits: number): number {
  let h = fnv1aStep(FNV1A_START, family);
  const max = family === 4 ? 32 : 128;
  const n = Math.max(0, Math.min(max, bits));
  const whole = n >> 3;
  for (let i = 0; i < whole; i++) h = fnv1aStep(h, bytes[offset + i]);
  const rest = n & 7;
  if (rest > 0) h = fnv1aStep(h, bytes[offset + whole] & (0xff << (8 - rest)) & 0xff);
  return h >>> 0;
}

/** Dotted-quad in `s[start, end)` into bytes[at..at+4]. */
function parseIpv4(s: string, start: number, end: number, at: number): boolean {
  let octet = 0;
  let digits = 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || n === 3) return false;
      bytes[at + n++] = octet;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      octet = octet * 10 + c - 0x30;
      if (++digits > 3 || octet > 255) return false;
    } else return false;
  }
  if (digits === 0 || n !== 3) return false;
  bytes[at + 3] = octet;
  return true;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** RFC 4291 §2.2 text form (with `::` and a trailing dotted quad) into bytes[0..16]. */
function parseIpv6(s: string, end: number): boolean {
  let groups = 0;
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 0x3a) {
    if (s.charCodeAt(1) !== 0x3a) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let j = i;
    let value = 0;
    for (let v = hexValue(s.charCodeAt(j)); j < end && v >= 0; v = hexValue(s.charCodeAt(++j))) {
      value = value * 16 + v;
    }
    if (j < end && s.charCodeAt(j) === 0x2e) {
      // Trailing IPv4 (RFC 4291 §2.2 form 3): two groups.
      if (groups > 6 || !parseIpv4(s, i, end, groups * 2)) return false;
      groups += 2;
      break;
    }
    if (j === i || j - i > 4 || groups === 8) return false;
    bytes[groups * 2] = value >> 8;
    bytes[groups * 2 + 1] = value & 0xff;
    groups++;
    if (j === end) break;
    if (s.charCodeAt(j) !== 0x3a) return false;
    j++;
    if (s.charCodeAt(j) === 0x3a && j < end) {
      if (gap >= 0) return false;
      gap = groups;
      j++;
    } else if (j === end) return false;
    i = j;
  }
  if (gap < 0) return groups === 8;
  if (groups > 7) return false;
  // Move the groups after `::` to the end and zero the gap.
  const tail = groups - gap;
  for (let k = tail - 1; k >= 0; k--) {
    bytes[(8 - tail + k) * 2] = bytes[(gap + k) * 2];
    bytes[(8 - tail + k) * 2 + 1] = bytes[(gap + k) * 2 + 1];
  }
  for (let g = gap; g < 8 - tail; g++) {
    bytes[g * 2] = 0;
    bytes[g * 2 + 1] = 0;
  }
  return true;
}
