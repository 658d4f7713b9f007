/**
 * Which DoH endpoints the directory crawl may query (issue 6). The crawl
 * talks only to the resolvers the operator configured, never to hosts named
 * in heartbeats, so the only policy is about transport security: `https:`,
 * or plain `http:` on a loopback host (a udp-node's ops listener on the same
 * machine, as in the tests), or anywhere when DMP_DIRECTORY_DOH_ALLOW_HTTP is
 * set (a trusted private network).
 *
 * This module is browser compatible.
 * @module
 */

import { ConfigError } from "../../../packages/core/config/env.ts";
import { parseIpLiteral } from "../../../packages/core/dmp/ip_literal.ts";

/**
 * True for `localhost`, 127.0.0.0/8 and ::1.
 *
 * @param hostname a URL's hostname (IPv6 in brackets allowed)
 * @returns whether it names this machine
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  const ip = parseIpLiteral(h);
  if (!ip) return false;
  return ip.version === 4 ? (ip.value >> 24n) === 127n : ip.value === 1n;
}

/**
 * Checks the configured DoH URLs; throws {@linkcode ConfigError} naming
 * DMP_DIRECTORY_DOH_URLS for one that may not be used.
 *
 * @param urls the configured list
 * @param options whether plain http is allowed on non-loopback hosts
 * @returns the URLs, parsed
 */
export function parseDohUrls(urls: readonly string[], options: { allowHttp: boolean }): URL[] {
  return urls.map((raw) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new ConfigError(`Cannot start: DMP_DIRECTORY_DOH_URLS entry ${raw} is not a URL`);
    }
    if (u.username || u.password) {
      throw new ConfigError(
        `Cannot start: DMP_DIRECTORY_DOH_URLS entry ${raw} must not carry credentials`,
      );
    }
    const ok = u.protocol === "https:" ||
      (u.protocol === "http:" && (options.allowHttp || isLoopbackHost(u.hostname)));
    if (!ok) {
      throw new ConfigError(
        `Cannot start: DMP_DIRECTORY_DOH_URLS entry ${raw} must be https (http only on loopback, or with DMP_DIRECTORY_DOH_ALLOW_HTTP)`,
      );
    }
    return u;
  });
}
