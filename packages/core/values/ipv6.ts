/**
 * The one IPv6 text parser and formatter (issue 10), shared by env, CLI,
 * operator API, master files, wire RDATA and heartbeat endpoints.
 *
 * Accepted: the three RFC 4291 §2.2 text forms — eight hex groups of 1–4
 * digits, one `::` standing for one or more zero groups, and a dotted-quad
 * IPv4 tail in the last 32 bits (strict per {@linkcode parseIpv4}). Refused:
 * a second `::`, `:::`, a lone leading or trailing `:`, more than eight
 * groups, zone ids (`%eth0`, RFC 4007 §11: not part of an address) and
 * prefixes (`/64`). Output is RFC 5952 §4 text ({@linkcode formatIpv6}), so
 * one address has one stored spelling.
 *
 * This module is browser compatible.
 * @module
 */

import { parseIpv4 } from "./ipv4.ts";

/** What an IPv6 field expects; boundaries append it to the field name. */
export const IPV6_EXPECTED = "expected an IPv6 address (RFC 4291 text form)";

const GROUP = /^[0-9a-fA-F]{1,4}$/;

function groups(part: string): number[] | null {
  if (part === "") return [];
  const out: number[] = [];
  for (const g of part.split(":")) {
    if (!GROUP.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
}

/**
 * Parses an IPv6 address in RFC 4291 §2.2 text form into 16 bytes; null when
 * the text is not one.
 *
 * @param text the address text (not trimmed; no zone id, no prefix)
 * @returns the 16 address bytes, or null
 *
 * @example
 * ```ts
 * import { parseIpv6 } from "./ipv6.ts";
 * if (parseIpv6("2001:db8::1")?.[15] !== 1 || parseIpv6(":::") !== null) throw new Error();
 * ```
 */
export function parseIpv6(text: string): Uint8Array | null {
  const lastColon = text.lastIndexOf(":");
  if (lastColon < 0) return null;
  let head = text;
  let v4: Uint8Array | null = null;
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    // RFC 4291 §2.2 form 3: the dotted quad stands for the last two groups.
    v4 = parseIpv4(last);
    if (!v4) return null;
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  if (!left || !right) return null;
  if (halves.length === 1 ? left.length !== 8 : left.length + right.length > 7) return null;
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = all[i] >> 8;
    out[i * 2 + 1] = all[i] & 0xff;
  }
  if (v4) out.set(v4, 12);
  return out;
}

/**
 * Formats 16 bytes as RFC 5952 §4 text: lower case, no leading zeros, the
 * longest run (the first when tied) of two or more zero groups as `::`.
 *
 * @param b the 16 address bytes
 * @returns the canonical text
 *
 * @example
 * ```ts
 * import { formatIpv6, parseIpv6 } from "./ipv6.ts";
 * if (formatIpv6(parseIpv6("2001:0DB8:0:0:0:0:0:1")!) !== "2001:db8::1") throw new Error();
 * ```
 */
export function formatIpv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[i * 2] << 8) | b[i * 2 + 1]);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(":");
  return hex.slice(0, bestStart).join(":") + "::" + hex.slice(bestStart + bestLen).join(":");
}

/**
 * The canonical (RFC 5952) spelling of an IPv6 address text, or null when it
 * does not parse.
 *
 * @param text the address text
 * @returns canonical text, or null
 *
 * @example
 * ```ts
 * import { canonicalIpv6 } from "./ipv6.ts";
 * if (canonicalIpv6("2001:DB8:0::1") !== "2001:db8::1") throw new Error();
 * ```
 */
export function canonicalIpv6(text: string): string | null {
  const b = parseIpv6(text);
  return b ? formatIpv6(b) : null;
}
