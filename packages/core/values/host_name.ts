/**
 * The one host-name validator (issue 10): zone names, NS targets, SOA
 * MNAME/RNAME and node host names in env, CLI and operator API.
 *
 * A host name here is RFC 1123 §2.1 letters/digits/hyphens per label, plus
 * `_` (service labels, RFC 8552), labels of 1–63 characters that neither start
 * nor end with `-`, at most 253 characters in text (255 octets on the wire,
 * RFC 1035 §2.3.4). Case is folded (RFC 4343) and one trailing dot is
 * dropped, so one name has one stored spelling.
 *
 * This module is browser compatible.
 * @module
 */

/** What a host-name field expects; boundaries append it to the field name. */
export const HOST_NAME_EXPECTED =
  "expected a domain name (labels of letters, digits, '-' or '_', at most 63 characters each, 253 in all)";

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?$/;

/** Longest name in text form (RFC 1035 §2.3.4: 255 octets on the wire). */
export const MAX_HOST_NAME_LENGTH = 253;

/**
 * The canonical form of a host name (trimmed, lower-case, no trailing dot),
 * or null when it is not a valid host name. The root (empty name) is refused.
 *
 * @param text the name text
 * @returns the canonical name, or null
 *
 * @example
 * ```ts
 * import { canonicalHostName } from "./host_name.ts";
 * if (canonicalHostName(" NS1.Example.COM. ") !== "ns1.example.com") throw new Error();
 * if (canonicalHostName("a..b") !== null) throw new Error();
 * ```
 */
export function canonicalHostName(text: string): string | null {
  const s = text.trim().toLowerCase().replace(/\.$/, "");
  if (s === "" || s.length > MAX_HOST_NAME_LENGTH) return null;
  for (const label of s.split(".")) {
    if (!LABEL.test(label)) return null;
  }
  return s;
}
