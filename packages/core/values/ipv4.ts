/**
 * The one IPv4 text parser (issue 10): every boundary that takes an IPv4
 * address (env, CLI, operator API, master files, wire RDATA, heartbeat
 * endpoints) goes through {@linkcode parseIpv4}, so they agree on what an
 * address is.
 *
 * Strictness: exactly four dot-separated decimal octets (RFC 1035 §3.4.1
 * presentation form), each 0–255, ASCII digits only, no leading zeros. Leading
 * zeros are refused because `inet_aton` reads `010` as octal 8 while others
 * read decimal 10 (the reason Python ≥ 3.9.5 refuses them too); the short and
 * numeric forms `127.1`, `2130706433`, `0x7f000001` are refused for the same
 * reason.
 *
 * This module is browser compatible.
 * @module
 */

/** What an IPv4 field expects; boundaries append it to the field name. */
export const IPV4_EXPECTED =
  "expected an IPv4 address (four decimal octets 0-255, no leading zeros)";

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/**
 * Parses a dotted-quad IPv4 address into 4 bytes (network order); null when
 * the text is not exactly that form.
 *
 * @param text the address text (not trimmed)
 * @returns the 4 address bytes, or null
 *
 * @example
 * ```ts
 * import { parseIpv4 } from "./ipv4.ts";
 * if (parseIpv4("192.0.2.1")?.[3] !== 1 || parseIpv4("01.2.3.4") !== null) throw new Error();
 * ```
 */
export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!OCTET.test(parts[i])) return null;
    const v = Number(parts[i]);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}
