/**
 * IP-literal parsing and "non-public" classification with Python `ipaddress` semantics, used by
 * the heartbeat endpoint rule "IP-literal hosts must not be loopback / private / link-local /
 * multicast / reserved / unspecified" (brief §4.2).
 *
 * Python counts TEST-NETs, 0/8, 198.18/15, 240/4 etc. as private. Its tables changed between
 * releases (3.12.4/3.13 added ranges such as 2002::/16 and 3fff::/20, carved exceptions out of
 * 2001::/23, and made IPv4-mapped IPv6 follow the mapped IPv4 address); where versions
 * disagree we take the stricter side (refuse), so a wire we accept is accepted by every
 * reference deployment.
 *
 * @module
 */

import { parseIpv4 as parseIpv4Bytes } from "../values/ipv4.ts";
import { parseIpv6 as parseIpv6Bytes } from "../values/ipv6.ts";

/** A parsed IP literal: version and the address as an unsigned integer. */
export interface IpLiteral {
  /** 4 or 6. */
  readonly version: 4 | 6;
  /** Address value (32 or 128 bits). */
  readonly value: bigint;
}

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

/**
 * Parse an IPv4 literal like `ipaddress.IPv4Address` (Python ≥ 3.9.5): the one
 * core IPv4 rule ({@linkcode parseIpv4Bytes}), which has the same strictness.
 *
 * @param text the literal
 * @returns the address as a 32-bit integer, or null
 */
export function parseIpv4(text: string): bigint | null {
  const b = parseIpv4Bytes(text);
  return b ? toBigInt(b) : null;
}

/**
 * Parse an IPv6 literal like `ipaddress.IPv6Address` (Python ≥ 3.9): an
 * optional `%scope` suffix (non-empty, no second `%`; RFC 4007 §11) is
 * dropped, the rest goes through the one core IPv6 rule
 * ({@linkcode parseIpv6Bytes}).
 *
 * @param text the literal
 * @returns the address as a 128-bit integer, or null
 */
export function parseIpv6(text: string): bigint | null {
  const pct = text.indexOf("%");
  let addr = text;
  if (pct >= 0) {
    const scope = text.slice(pct + 1);
    if (scope === "" || scope.includes("%")) return null;
    addr = text.slice(0, pct);
  }
  const b = parseIpv6Bytes(addr);
  return b ? toBigInt(b) : null;
}

/** `ipaddress.ip_address(text)`: try IPv4 then IPv6; `null` if neither parses. */
export function parseIpLiteral(text: string): IpLiteral | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== null) return { version: 6, value: v6 };
  return null;
}

type Net = readonly [bigint, number];

function v4(a: number, b: number, c: number, d: number, len: number): Net {
  return [BigInt(((a << 24) >>> 0) + (b << 16) + (c << 8) + d), len];
}

function v6(hex: string, len: number): Net {
  return [parseIpv6(hex) as bigint, len];
}

function inNet(value: bigint, bits: number, [base, len]: Net): boolean {
  const shift = BigInt(bits - len);
  return value >> shift === base >> shift;
}

// Python 3.13 `IPv4Address._private_networks` and exceptions.
const V4_PRIVATE: readonly Net[] = [
  v4(0, 0, 0, 0, 8),
  v4(10, 0, 0, 0, 8),
  v4(127, 0, 0, 0, 8),
  v4(169, 254, 0, 0, 16),
  v4(172, 16, 0, 0, 12),
  v4(192, 0, 0, 0, 24),
  v4(192, 0, 0, 170, 31),
  v4(192, 0, 2, 0, 24),
  v4(192, 168, 0, 0, 16),
  v4(198, 18, 0, 0, 15),
  v4(198, 51, 100, 0, 24),
  v4(203, 0, 113, 0, 24),
  v4(240, 0, 0, 0, 4),
  v4(255, 255, 255, 255, 32),
];
const V4_PRIVATE_EXCEPTIONS: readonly Net[] = [v4(192, 0, 0, 9, 32), v4(192, 0, 0, 10, 32)];
// Not global though Python does not call them private (stricter, issue 12 finding 12):
// shared address space / CGNAT (RFC 6598) and the deprecated 6to4 relay anycast (RFC 7526).
const V4_NOT_GLOBAL: readonly Net[] = [v4(100, 64, 0, 0, 10), v4(192, 88, 99, 0, 24)];
// Deprecated site-local (RFC 3879): never global, though Python calls it public.
const V6_SITE_LOCAL: Net = [0xfec0n << 112n, 10];
// NAT64 well-known prefix (RFC 6052 §2.1): the last 32 bits are an IPv4 address.
const NAT64_WKP: Net = [0x0064ff9bn << 96n, 96];

// Python 3.13 `IPv6Address._private_networks` and `_reserved_networks`. 3.13 carves a few
// exceptions out of 2001::/23; 3.11 did not, so we keep the whole /23 (the stricter union).
const V6_PRIVATE: readonly Net[] = [
  v6("::1", 128),
  v6("::", 128),
  v6("::ffff:0:0", 96),
  v6("64:ff9b:1::", 48),
  v6("100::", 64),
  v6("2001::", 23),
  v6("2001:db8::", 32),
  v6("2002::", 16),
  v6("3fff::", 20),
  v6("fc00::", 7),
  v6("fe80::", 10),
];
const V6_RESERVED: readonly Net[] = [
  v6("::", 8),
  v6("100::", 8),
  v6("200::", 7),
  v6("400::", 6),
  v6("800::", 5),
  v6("1000::", 4),
  v6("4000::", 3),
  v6("6000::", 3),
  v6("8000::", 3),
  v6("a000::", 3),
  v6("c000::", 3),
  v6("e000::", 4),
  v6("f000::", 5),
  v6("f800::", 6),
  v6("fe00::", 9),
];

/**
 * True iff Python would report the address as loopback, private, link-local, multicast,
 * reserved or unspecified — i.e. a heartbeat endpoint must not point at it (brief §4.2) — or
 * it is CGNAT (100.64/10), 192.88.99/24, site-local fec0::/10, or a NAT64 address
 * (64:ff9b::/96) embedding a non-public IPv4 address.
 */
export function isNonPublicIp(ip: IpLiteral): boolean {
  const { value } = ip;
  if (ip.version === 4) {
    const any = (nets: readonly Net[]) => nets.some((n) => inNet(value, 32, n));
    const isPrivate = any(V4_PRIVATE) && !any(V4_PRIVATE_EXCEPTIONS);
    const isMulticast = inNet(value, 32, v4(224, 0, 0, 0, 4));
    // loopback (127/8), link-local (169.254/16), reserved (240/4), unspecified (0.0.0.0) are
    // all inside the private list above.
    return isPrivate || isMulticast || any(V4_NOT_GLOBAL);
  }
  if (inNet(value, 128, V6_SITE_LOCAL)) return true;
  if (inNet(value, 128, NAT64_WKP) && isNonPublicIp({ version: 4, value: value & 0xffffffffn })) {
    return true;
  }
  const any = (nets: readonly Net[]) => nets.some((n) => inNet(value, 128, n));
  const isPrivate = any(V6_PRIVATE);
  const isMulticast = inNet(value, 128, v6("ff00::", 8));
  const isLinkLocal = inNet(value, 128, v6("fe80::", 10));
  return isPrivate || isMulticast || isLinkLocal || any(V6_RESERVED) || value === 0n ||
    value === 1n;
}
