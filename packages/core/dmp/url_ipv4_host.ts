/**
 * IPv4 hosts as URL parsers read them (WHATWG URL Standard §3.5 "IPv4
 * parser", "ends in a number checker"): browsers, Node's and Deno's `URL`,
 * curl and `inet_aton` take `2130706433`, `0x7f000001`, `127.1` and
 * `0177.0.0.1` as 127.0.0.1. Python's `ipaddress` (which the reference's
 * heartbeat endpoint rule uses, brief §4.2) reads none of them as an address,
 * so such hosts passed as "host names" and were republished as links to
 * loopback (issue 12 finding 12). A heartbeat endpoint is checked with both
 * readings.
 *
 * This module is browser compatible.
 * @module
 */

/** The outcome of {@linkcode parseUrlIpv4Host}. */
export type UrlIpv4Host =
  /** the host's last label is not a number: a domain name to URL parsers */
  | { kind: "not_ipv4" }
  /** it ends in a number but is no valid IPv4 address: URL parsers refuse the URL */
  | { kind: "invalid" }
  | { kind: "ok"; value: number };

function parseNumber(part: string): number | undefined {
  let s = part;
  let radix = 10;
  if (/^0x/i.test(s)) {
    s = s.slice(2);
    radix = 16;
  } else if (s.length > 1 && s[0] === "0") {
    s = s.slice(1);
    radix = 8;
  }
  if (s === "") return 0; // "0x" and "0" are zero (WHATWG IPv4 number parser step 5)
  const re = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!re.test(s)) return undefined;
  // Digits beyond what any valid part can hold make the address invalid anyway; cap the
  // length so parseInt never works on an attacker-sized string.
  if (s.length > 32) return Number.POSITIVE_INFINITY;
  return parseInt(s, radix);
}

/**
 * Reads `host` (lower-cased, no brackets) the way a WHATWG URL parser does.
 *
 * @param host the URL's host
 * @returns whether it is an IPv4 address to URL parsers, and which
 *
 * @example
 * ```ts
 * import { parseUrlIpv4Host } from "./url_ipv4_host.ts";
 * for (const h of ["2130706433", "0x7f000001", "127.1", "0177.0.0.1", "127.0.0.1."]) {
 *   const r = parseUrlIpv4Host(h);
 *   if (r.kind !== "ok" || r.value !== 0x7f000001) throw new Error(h);
 * }
 * if (parseUrlIpv4Host("node.example").kind !== "not_ipv4") throw new Error();
 * if (parseUrlIpv4Host("1.2.3.4.5").kind !== "invalid") throw new Error();
 * ```
 */
export function parseUrlIpv4Host(host: string): UrlIpv4Host {
  const parts = host.split(".");
  if (parts[parts.length - 1] === "" && parts.length > 1) parts.pop();
  const last = parts[parts.length - 1];
  // "Ends in a number": the last label is all ASCII digits, or 0x followed by hex digits.
  if (!/^[0-9]+$/.test(last) && !/^0x[0-9a-f]*$/i.test(last)) return { kind: "not_ipv4" };
  if (parts.length > 4) return { kind: "invalid" };
  const nums: number[] = [];
  for (const p of parts) {
    if (p === "") return { kind: "invalid" };
    const n = parseNumber(p);
    if (n === undefined) return { kind: "invalid" };
    nums.push(n);
  }
  for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) return { kind: "invalid" };
  const lastNum = nums[nums.length - 1];
  if (lastNum >= 256 ** (5 - nums.length)) return { kind: "invalid" };
  let value = lastNum;
  for (let i = 0; i < nums.length - 1; i++) value += nums[i] * 256 ** (3 - i);
  return { kind: "ok", value };
}
