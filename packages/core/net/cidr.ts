/**
 * Address prefixes (RFC 4632 for IPv4, RFC 4291 §2.3 for IPv6) as the
 * transfer policy stores them: parsed once, matched against a peer address.
 * IPv4-mapped IPv6 peers (`::ffff:192.0.2.1`, what a dual-stack socket
 * reports) match IPv4 prefixes (RFC 4291 §2.5.5.2).
 *
 * This module is browser compatible.
 * @module
 */

import { parseIpv4 } from "../values/ipv4.ts";
import { formatIpv6, parseIpv6 } from "../values/ipv6.ts";

/** A parsed prefix: address bytes (4 or 16) and prefix length in bits. */
export interface Cidr {
  bytes: Uint8Array;
  bits: number;
}

/**
 * Parses `ADDR/LEN` or a bare address (a host prefix). Returns null when the
 * text is not an address, the length is out of range, or host bits are set
 * (`192.0.2.1/24` is refused: an operator who meant the network should say so).
 *
 * @example
 * ```ts
 * import { parseCidr } from "./cidr.ts";
 * if (parseCidr("192.0.2.0/24")?.bits !== 24 || parseCidr("192.0.2.1/24") !== null) throw new Error();
 * ```
 */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = addr.includes(":") ? parseIpv6(addr) : parseIpv4(addr);
  if (!bytes) return null;
  const max = bytes.length * 8;
  let bits = max;
  if (slash >= 0) {
    const len = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(len)) return null;
    bits = Number(len);
    if (bits > max) return null;
  }
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] & ~prefixMask(bits, i)) !== 0) return null;
  }
  return { bytes, bits };
}

/**
 * The canonical text of a prefix (`2001:db8::/32`, `192.0.2.0/24`), so one
 * network is stored once whatever spelling the operator typed.
 *
 * @example
 * ```ts
 * import { formatCidr, parseCidr } from "./cidr.ts";
 * if (formatCidr(parseCidr("2001:DB8:0::/32")!) !== "2001:db8::/32") throw new Error();
 * ```
 */
export function formatCidr(c: Cidr): string {
  const addr = c.bytes.length === 4 ? c.bytes.join(".") : formatIpv6(c.bytes);
  return `${addr}/${c.bits}`;
}

/**
 * Whether the peer address (as a socket reports it) lies in the prefix.
 * Unparseable addresses match nothing.
 *
 * @example
 * ```ts
 * import { cidrContains, parseCidr } from "./cidr.ts";
 * const net = parseCidr("127.0.0.0/8")!;
 * if (!cidrContains(net, "::ffff:127.0.0.1") || cidrContains(net, "10.0.0.1")) throw new Error();
 * ```
 */
export function cidrContains(c: Cidr, address: string): boolean {
  let bytes = address.includes(":") ? parseIpv6(address.replace(/%.*$/, "")) : parseIpv4(address);
  if (!bytes) return false;
  if (bytes.length === 16 && c.bytes.length === 4 && isV4Mapped(bytes)) bytes = bytes.subarray(12);
  if (bytes.length !== c.bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    const mask = prefixMask(c.bits, i);
    if ((bytes[i] & mask) !== (c.bytes[i] & mask)) return false;
  }
  return true;
}

function prefixMask(bits: number, byteIndex: number): number {
  const left = bits - byteIndex * 8;
  if (left >= 8) return 0xff;
  if (left <= 0) return 0;
  return (0xff << (8 - left)) & 0xff;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}
