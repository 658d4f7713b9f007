/**
 * Heartbeat endpoint validation (brief §4.2 "endpoint" row; reference
 * `dmp/core/heartbeat.py::_validate_endpoint`, which leans on Python's `urllib.parse.urlsplit`
 * and `ipaddress`). The rules are replicated including urlsplit's corner cases, so every wire
 * accepted here is accepted by the reference; we refuse more (issue 12 finding 12): hosts a URL
 * parser reads as a non-public or non-dotted IPv4 address, percent-encoded hosts, CGNAT.
 *
 * @module
 */

import { isNonPublicIp, parseIpLiteral } from "./ip_literal.ts";
import { parseUrlIpv4Host } from "./url_ipv4_host.ts";
import { codePointLength, hasControlOrSpace, isAscii } from "./utf8.ts";

/** Maximum endpoint length in characters (also the wire's endpoint_len cap). */
export const MAX_ENDPOINT_LEN = 255;

const LOCALHOST_ALIASES: ReadonlySet<string> = new Set([
  "localhost",
  "localhost.localdomain",
  "ip6-localhost",
]);
const SCHEME_CHARS = /^[A-Za-z0-9+\-.]+$/;

/** The pieces of `urlsplit(url)` the endpoint rules look at. */
export interface SplitUrl {
  /** Lower-cased scheme, or "" when none was recognised. */
  readonly scheme: string;
  /** Authority part (between `//` and the first `/`, `?` or `#`). */
  readonly netloc: string;
  /** Path (may be ""). */
  readonly path: string;
  /** Query without `?` (may be "" even when a `?` was present). */
  readonly query: string;
  /** Fragment without `#` (may be "" even when a `#` was present). */
  readonly fragment: string;
}

/**
 * Python `urllib.parse.urlsplit` (3.12+) for ASCII input without whitespace/control chars;
 * returns `null` where Python raises (unbalanced or malformed brackets in the authority).
 */
export function urlSplit(url: string): SplitUrl | null {
  let scheme = "";
  let rest = url;
  const colon = url.indexOf(":");
  if (colon > 0 && /^[A-Za-z]/.test(url) && SCHEME_CHARS.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    rest = url.slice(colon + 1);
  }
  let netloc = "";
  if (rest.startsWith("//")) {
    let delim = rest.length;
    for (const c of "/?#") {
      const at = rest.indexOf(c, 2);
      if (at >= 0 && at < delim) delim = at;
    }
    netloc = rest.slice(2, delim);
    rest = rest.slice(delim);
    const open = netloc.includes("[");
    const close = netloc.includes("]");
    if (open !== close) return null;
    if (open && !checkBracketedNetloc(netloc)) return null;
  }
  let fragment = "";
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query = "";
  const q = rest.indexOf("?");
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  return { scheme, netloc, path: rest, query, fragment };
}

// CPython `_check_bracketed_netloc` + `_check_bracketed_host`.
function checkBracketedNetloc(netloc: string): boolean {
  const hostAndPort = netloc.slice(netloc.lastIndexOf("@") + 1);
  const br = hostAndPort.indexOf("[");
  let hostname: string;
  if (br >= 0) {
    if (br > 0) return false;
    const bracketed = hostAndPort.slice(br + 1);
    const end = bracketed.indexOf("]");
    hostname = end >= 0 ? bracketed.slice(0, end) : bracketed;
    const port = end >= 0 ? bracketed.slice(end + 1) : "";
    if (port && !port.startsWith(":")) return false;
  } else {
    const end = hostAndPort.indexOf("]");
    hostname = end >= 0 ? hostAndPort.slice(0, end) : hostAndPort;
  }
  if (hostname.startsWith("v")) return /^v[a-fA-F0-9]+\..+$/.test(hostname);
  const ip = parseIpLiteral(hostname);
  return ip !== null && ip.version === 6;
}

/** `SplitResult.hostname`: host part of the authority, lower-cased except an IPv6 `%zone`. */
export function urlHostname(netloc: string): string | null {
  const hostinfo = netloc.slice(netloc.lastIndexOf("@") + 1);
  let hostname: string;
  const br = hostinfo.indexOf("[");
  if (br >= 0) {
    const bracketed = hostinfo.slice(br + 1);
    const end = bracketed.indexOf("]");
    hostname = end >= 0 ? bracketed.slice(0, end) : bracketed;
  } else {
    const c = hostinfo.indexOf(":");
    hostname = c >= 0 ? hostinfo.slice(0, c) : hostinfo;
  }
  if (!hostname) return null;
  const pct = hostname.indexOf("%");
  return pct >= 0
    ? hostname.slice(0, pct).toLowerCase() + hostname.slice(pct)
    : hostname.toLowerCase();
}

/**
 * Validate a heartbeat endpoint; returns `null` if acceptable, else a short reason.
 *
 * Accepts `http(s)://<host>[:port]` only: ASCII, no char ≤ 0x20 / 0x7F, no userinfo, non-empty
 * host, no path (not even `/`), query or fragment, not a localhost alias, and not a
 * non-public IP literal (brief §4.2). Python quirks kept on purpose for wire compatibility:
 * the port is not validated, and an empty query/fragment (`https://h?`) passes.
 */
export function validateHeartbeatEndpoint(endpoint: string): string | null {
  if (typeof endpoint !== "string" || endpoint === "") return "endpoint empty";
  if (codePointLength(endpoint) > MAX_ENDPOINT_LEN) return "endpoint too long";
  if (!isAscii(endpoint)) return "endpoint not ASCII";
  if (hasControlOrSpace(endpoint)) return "endpoint has whitespace/control";
  const parts = urlSplit(endpoint);
  if (parts === null) return "endpoint unparseable";
  if (parts.scheme !== "https" && parts.scheme !== "http") return "endpoint scheme";
  if (parts.netloc.includes("@")) return "endpoint userinfo";
  const host = urlHostname(parts.netloc);
  if (!host) return "endpoint host missing";
  if (parts.path || parts.query || parts.fragment) return "endpoint has path/query/fragment";
  if (LOCALHOST_ALIASES.has(host.toLowerCase())) return "endpoint localhost";
  const ip = parseIpLiteral(host);
  if (ip !== null && isNonPublicIp(ip)) return "endpoint non-public IP";
  if (ip === null) {
    // Stricter than the reference (issue 12 finding 12): the host must also not be an
    // address to the URL parser of whoever follows the link. A `%` outside brackets is
    // percent-encoding, which URL parsers decode before reading the host.
    if (host.includes("%")) return "endpoint host percent-encoded";
    const v4 = parseUrlIpv4Host(host);
    if (v4.kind === "invalid") return "endpoint host invalid IPv4";
    if (v4.kind === "ok") {
      if (isNonPublicIp({ version: 4, value: BigInt(v4.value) })) {
        return "endpoint non-public IP";
      }
      // A public address is still refused in a non-canonical spelling: links are
      // republished as written, and one address should have one spelling.
      return "endpoint IPv4 not dotted-decimal";
    }
  }
  return null;
}
