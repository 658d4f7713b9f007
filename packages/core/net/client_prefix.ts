/**
 * The network a client address belongs to, for logs that must not hold the
 * address itself (issue 14's query log): the /24 of an IPv4 address and the
 * /48 of an IPv6 address (the widths CDNs and resolvers use for EDNS Client
 * Subnet, RFC 7871 §11.1 recommends no more than 24 and 56 bits), as
 * canonical prefix text. IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a
 * dual-stack socket reports) counts as the IPv4 address (RFC 4291
 * §2.5.5.2). Anything that is not an address yields
 * {@linkcode UNKNOWN_CLIENT}, never the text it was given: only a prefix
 * ever leaves this function.
 *
 * This module is browser compatible.
 * @module
 */

import { parseIpv4 } from "../values/ipv4.ts";
import { parseIpv6 } from "../values/ipv6.ts";
import { formatCidr } from "./cidr.ts";

/** Prefix length kept of IPv4 clients. */
export const CLIENT_PREFIX_V4_BITS = 24;
/** Prefix length kept of IPv6 clients. */
export const CLIENT_PREFIX_V6_BITS = 48;
/** What an address that cannot be read becomes. */
export const UNKNOWN_CLIENT = "unknown";

/**
 * The client's network as `a.b.c.0/24` or `xxxx:xxxx:xxxx::/48`.
 *
 * @param address the peer address as the transport reports it
 * @returns the prefix text, or {@linkcode UNKNOWN_CLIENT}
 *
 * @example Only the network is kept
 * ```ts
 * import { clientPrefix } from "./client_prefix.ts";
 * if (clientPrefix("192.0.2.77") !== "192.0.2.0/24") throw new Error();
 * if (clientPrefix("::ffff:198.51.100.9") !== "198.51.100.0/24") throw new Error();
 * if (clientPrefix("2001:db8:aa:bb::1") !== "2001:db8:aa::/48") throw new Error();
 * if (clientPrefix("not an address") !== "unknown") throw new Error();
 * ```
 */
export function clientPrefix(address: string): string {
  const zone = address.indexOf("%"); // IPv6 zone index (fe80::1%eth0)
  const text = zone < 0 ? address : address.slice(0, zone);
  let bytes = text.includes(":") ? parseIpv6(text) : parseIpv4(text);
  if (!bytes) return UNKNOWN_CLIENT;
  if (bytes.length === 16 && isV4Mapped(bytes)) bytes = bytes.slice(12);
  const bits = bytes.length === 4 ? CLIENT_PREFIX_V4_BITS : CLIENT_PREFIX_V6_BITS;
  const kept = new Uint8Array(bytes.length);
  kept.set(bytes.subarray(0, bits >> 3));
  return formatCidr({ bytes: kept, bits });
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}
