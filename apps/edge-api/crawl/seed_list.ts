/**
 * Seeds of the directory crawl (brief §4.4 "Public seed URLs"): bare zones,
 * legacy `scheme://host[:port]/…` entries (the host is taken), and public
 * seed lists fetched over https.
 *
 * A seed list is fetched only over `https:`, with redirects refused, a 5 s
 * timeout and a 64 KiB body cap; it is UTF-8 text with one entry per line,
 * `#` comments and blank lines ignored. The reference also refuses hosts that
 * resolve to private addresses; an edge isolate cannot resolve names, so we
 * refuse non-public IP literals and localhost names and rely on the https
 * requirement for the rest.
 *
 * This module is browser compatible.
 * @module
 */

import { isNonPublicIp, parseIpLiteral } from "../../../packages/core/dmp/ip_literal.ts";

/** Largest seed list read. */
export const SEED_LIST_MAX_BYTES = 64 * 1024;
/** Timeout of one seed-list fetch. */
export const SEED_LIST_TIMEOUT_MS = 5000;

const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)+$/;

/**
 * A zone name as the crawl uses it: lower-case, no trailing dot, at least
 * two labels of LDH characters (underscore allowed); IP literals and
 * anything else give "".
 *
 * @param name a zone from config or a heartbeat's `claim_provider_zone`
 * @returns the normalized zone, or ""
 */
export function normalizeZone(name: string): string {
  const z = name.trim().toLowerCase().replace(/\.$/, "");
  if (!DNS_NAME.test(z) || parseIpLiteral(z) !== null) return "";
  return z;
}

/**
 * A seed entry as a zone: bare zones, `host:port` (port dropped) and
 * `scheme://host[:port]/…` (host taken), as the reference (brief §4.4).
 *
 * @param seed one configured entry
 * @returns the zone, or "" when it is not usable
 */
export function seedToZone(seed: string): string {
  const s = seed.trim().toLowerCase();
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#@]+)/.exec(s);
  return normalizeZone(m ? m[1] : s.split(":")[0]);
}

/**
 * The zone a heartbeat points at: its claim-provider zone, else its
 * endpoint's host unless that is an IP literal (brief §4.4 step 2).
 *
 * @param hb the heartbeat's zone and endpoint
 * @returns the zone, or ""
 */
export function zoneOfHeartbeat(hb: { claimProviderZone: string; endpoint: string }): string {
  const z = normalizeZone(hb.claimProviderZone);
  if (z) return z;
  const m = /^[a-z]+:\/\/([^/:?#\]]+)/i.exec(hb.endpoint);
  return m ? normalizeZone(m[1]) : "";
}

/** What {@linkcode fetchSeedList} gives. */
export type SeedListResult = { kind: "ok"; zones: string[] } | { kind: "failed"; reason: string };

/**
 * Fetches a seed list.
 *
 * @param url the list's URL (must be https)
 * @param options the fetch to use, and (tests only) `allowLoopbackHttp`
 * @returns the zones it names, or why it was refused
 */
export async function fetchSeedList(
  url: string,
  options: { fetch?: typeof fetch; allowLoopbackHttp?: boolean } = {},
): Promise<SeedListResult> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { kind: "failed", reason: "not a URL" };
  }
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const ip = parseIpLiteral(host);
  const loopback = host === "127.0.0.1" || host === "localhost";
  if (u.protocol !== "https:" && !(options.allowLoopbackHttp && loopback)) {
    return { kind: "failed", reason: "only https seed lists are fetched" };
  }
  if (
    !(options.allowLoopbackHttp && loopback) &&
    (host === "localhost" || host.endsWith(".localhost") || (ip && isNonPublicIp(ip)))
  ) {
    return { kind: "failed", reason: "seed list host is not public" };
  }
  if (u.username || u.password) return { kind: "failed", reason: "credentials in URL" };
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(u, {
      // Never follow a redirect: "manual" hands us the 3xx, refused below as any non-200.
      // (Workers reject `redirect: "error"`; "manual" + the status check is the same guarantee.)
      redirect: "manual",
      signal: AbortSignal.timeout(SEED_LIST_TIMEOUT_MS),
    });
  } catch (e) {
    return { kind: "failed", reason: `fetch: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    return { kind: "failed", reason: `http ${res.status}` };
  }
  if (Number(res.headers.get("content-length") ?? "0") > SEED_LIST_MAX_BYTES) {
    await res.body?.cancel();
    return { kind: "failed", reason: "seed list too large" };
  }
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (e) {
      return { kind: "failed", reason: `read: ${(e as Error)?.name ?? "error"}` };
    }
    if (chunk.done) break;
    size += chunk.value.length;
    if (size > SEED_LIST_MAX_BYTES) {
      await reader.cancel();
      return { kind: "failed", reason: "seed list too large" };
    }
    chunks.push(chunk.value);
  }
  const bytes = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { kind: "failed", reason: "seed list is not UTF-8" };
  }
  const zones: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const entry = line.replace(/#.*$/, "").trim();
    if (!entry) continue;
    const z = seedToZone(entry);
    if (z && !zones.includes(z)) zones.push(z);
  }
  return { kind: "ok", zones };
}
