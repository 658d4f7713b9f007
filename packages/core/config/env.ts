/**
 * Every DMP_* environment variable: its schema, default and one-line doc, in
 * one table ({@linkcode ENV_VARS}). Adapters hand their env record (process.env,
 * Deno.env, a Workers binding) to {@linkcode loadConfig}; nothing else reads
 * the environment. A bad value stops start-up with a message naming the
 * variable. Names and defaults follow the reference node (brief §1.11) where
 * it has them.
 *
 * This module is browser compatible.
 * @module
 */

import { z } from "zod";
import { NODE_NAME_PATTERN } from "../store/node_stats.ts";
import { MAX_LIFETIME_SECONDS } from "../values/lifetime.ts";
import { hostNameSchema, ipv4Schema, ipv6Schema } from "../values/schemas.ts";
import { MAX_TTL } from "../values/ttl.ts";
import { KEY_RECORD_TTL } from "../dnssec/key_records.ts";
import type { RolloverTimings } from "../dnssec/key_timeline.ts";

const TRUTHY = new Set(["1", "true", "yes", "on"]);
const FALSY = new Set(["0", "false", "no", "off"]);

const bool = z.string().transform((s, ctx) => {
  const v = s.trim().toLowerCase();
  if (TRUTHY.has(v)) return true;
  if (FALSY.has(v)) return false;
  ctx.addIssue({ code: "custom", message: "expected one of 1/true/yes/on or 0/false/no/off" });
  return z.NEVER;
});
const int = (min: number, max: number) =>
  z.string().trim().regex(/^-?\d+$/, "expected an integer").transform(Number).pipe(
    z.number().int().min(min).max(max),
  );
const num = (min: number) =>
  z.string().trim().regex(/^-?\d+(\.\d+)?(\/\d+(\.\d+)?)?$/, "expected a number").transform((s) => {
    const [a, b] = s.split("/");
    return b === undefined ? Number(a) : Number(a) / Number(b);
  }).pipe(z.number().min(min));
const port = int(0, 65535);
const str = z.string().trim();
const list = z.string().transform((s) =>
  s.split(",").map((x) => x.trim()).filter((x) => x.length > 0)
);
/** An absolute http(s) URL (a long-poll endpoint the node calls). */
const httpUrl = z.string().trim().refine((s) => {
  try {
    return /^https?:$/.test(new URL(s).protocol);
  } catch {
    return false;
  }
}, "expected an http:// or https:// URL");
const hostName = hostNameSchema;
const ipv4 = ipv4Schema;
const ipv6 = ipv6Schema;
const logLevel = z.string().trim().toUpperCase().pipe(
  z.enum(["DEBUG", "INFO", "WARNING", "WARN", "ERROR"]),
);
const logFormat = z.string().trim().toLowerCase().pipe(z.enum(["text", "json"]));
const udpIo = z.string().trim().toLowerCase().pipe(z.enum(["auto", "batched", "dgram"]));
const authMode = z.string().trim().toLowerCase().pipe(z.enum(["open", "legacy", "multi-tenant"]));

/** One environment variable: parser, default (as the text an operator would write) and doc. */
export interface EnvVarSpec<T> {
  schema: z.ZodType<T, string>;
  default?: string;
  doc: string;
  /** Which component reads it: the DNS node, the edge API, or both. */
  scope: "node" | "edge" | "both";
}

function spec<T, D extends string | undefined>(
  schema: z.ZodType<T, string>,
  def: D,
  doc: string,
  scope: EnvVarSpec<T>["scope"] = "both",
): EnvVarSpec<T> & { default: D } {
  return { schema, default: def, doc, scope };
}

/** Every variable dmp-edge reads. The README's table is generated from this. */
export const ENV_VARS = {
  DMP_DB_PATH: spec(
    str,
    "/var/lib/dmp/dmp.db",
    "Embedded libSQL database file (reference name); used when DMP_DB_URL is unset",
  ),
  DMP_DB_URL: spec(
    str,
    undefined,
    "libSQL URL: `file:PATH`, `http(s)://`, `libsql://` (overrides DMP_DB_PATH)",
  ),
  DMP_DATA_DIR: spec(
    str,
    undefined,
    "Local stack only (`dmp start`, and the `dmp` CLI finding its database): data directory; default `.data` in the checkout",
    "node",
  ),
  DMP_DB_SYNC_URL: spec(
    str,
    undefined,
    "Primary URL for an embedded replica (the node keeps DMP_DB_URL/PATH as its replica file)",
    "node",
  ),
  DMP_DB_AUTH_TOKEN: spec(str, undefined, "Auth token (JWT) for the remote primary / sync URL"),
  DMP_DB_SYNC_INTERVAL: spec(num(0.05), "0.5", "Seconds between embedded-replica syncs", "node"),
  DMP_SYNC_SIGNAL_URL: spec(
    httpUrl,
    undefined,
    "Change signal: the edge's `/v1/sync/journal-head` URL; the node long-polls it and syncs as soon as the primary's journal moves (polling stays the fallback)",
    "node",
  ),
  DMP_SYNC_SIGNAL_TOKEN: spec(
    str,
    undefined,
    "Bearer token of `/v1/sync/journal-head`: the edge accepts it (or the operator token) on that route only; the node sends it (else the operator token)",
  ),
  DMP_SYNC_SIGNAL_WAIT: spec(
    int(1, 55),
    "25",
    "Seconds the edge holds a `/v1/sync/journal-head` long-poll with no change before answering the unchanged head",
    "edge",
  ),
  DMP_SYNC_SIGNAL_MAX_WAITERS: spec(
    int(1, 100_000),
    "256",
    "Long-polls of `/v1/sync/journal-head` one edge process holds at once; more get 503",
    "edge",
  ),
  DMP_DOMAIN: spec(hostName, undefined, "Served zone (reference name); seeded as a zone at start"),
  DMP_SERVED_ZONE: spec(
    hostName,
    undefined,
    "Served zone; wins over DMP_DOMAIN (reference chain, brief §1.2)",
  ),
  DMP_NODE_HOSTNAME: spec(
    hostName,
    undefined,
    "Public host name of the node; bound into registration signatures",
  ),
  DMP_DNS_HOST: spec(str, "0.0.0.0", "DNS listen address (UDP and TCP)", "node"),
  DMP_DNS_PORT: spec(port, "5353", "DNS listen port (UDP and TCP)", "node"),
  DMP_DNS_UDP_IO: spec(
    udpIo,
    "auto",
    "UDP I/O on Node: `batched` (recvmmsg/sendmmsg addon, built by npm install on Linux), `dgram` (node:dgram), `auto` (batched when built, else dgram with a warning); Deno has its own",
    "node",
  ),
  DMP_DNS_TTL: spec(
    int(0, MAX_TTL),
    "60",
    "Upper bound of answer TTLs for DMP records; SOA MINIMUM of seeded zones",
  ),
  DMP_DNS_CHAOS_VERSION: spec(
    z.string().max(255),
    "",
    "Answer to CHAOS TXT version.bind/version.server; empty = REFUSED (as NSD's hide-version)",
    "node",
  ),
  DMP_DNS_CHAOS_IDENTITY: spec(
    z.string().max(255),
    "",
    "Answer to CHAOS TXT id.server/hostname.bind (RFC 4892); empty = REFUSED",
    "node",
  ),
  DMP_DNS_NSID: spec(
    z.string().max(128).regex(/^[\x20-\x7e]*$/, "expected printable ASCII"),
    "",
    "NSID sent to clients that ask for it (RFC 5001); empty = off",
    "node",
  ),
  DMP_DNS_RATE: spec(num(0), "50", "Per-source-IP DNS queries per second (0 disables)", "node"),
  DMP_DNS_BURST: spec(int(0, 1_000_000), "200", "Per-source-IP DNS burst (0 disables)", "node"),
  DMP_DNS_MAX_CONCURRENCY: spec(
    int(1, 100_000),
    "128",
    "Concurrent UPDATEs/TCP messages in flight; beyond it UDP is dropped",
    "node",
  ),
  DMP_DNS_TCP_IDLE_TIMEOUT: spec(
    num(0.1),
    "5",
    "Seconds a TCP connection may sit with no message in progress (RFC 7766 §6.2.3)",
    "node",
  ),
  DMP_DNS_TCP_MESSAGE_TIMEOUT: spec(
    num(0.1),
    "3",
    "Seconds a TCP message may take from its first byte to its last (slow senders are cut off)",
    "node",
  ),
  DMP_DNS_MAX_TCP_CONNECTIONS: spec(
    int(1, 100_000),
    "1024",
    "Cap on open TCP connections; when full, the longest-idle one is closed for a newcomer",
    "node",
  ),
  DMP_DNS_MAX_TCP_PER_ADDRESS: spec(
    int(1, 100_000),
    "32",
    "Cap on open TCP connections per client IPv4 address or IPv6 /64",
    "node",
  ),
  DMP_DOT_PORT: spec(
    int(1, 65535),
    "853",
    "DNS over TLS (RFC 7858) port on DMP_DNS_HOST; DoT is on when DMP_DOT_CERT_FILE and DMP_DOT_KEY_FILE are set",
    "node",
  ),
  DMP_DOT_CERT_FILE: spec(
    str,
    undefined,
    "PEM certificate chain for DoT (reloaded when the file changes); unset = no DoT listener",
    "node",
  ),
  DMP_DOT_KEY_FILE: spec(
    str,
    undefined,
    "PEM private key for DoT (reloaded when the file changes); set with DMP_DOT_CERT_FILE",
    "node",
  ),
  DMP_DNS_RRL_RATE: spec(
    num(0),
    "20",
    "Response rate limiting: UDP responses per second per client network, response class and name; burst = 1 s (0 disables)",
    "node",
  ),
  DMP_DNS_RRL_SLIP: spec(
    int(0, 100),
    "2",
    "Every Nth response over DMP_DNS_RRL_RATE is sent as an empty TC=1 answer, the rest dropped (0 = drop all)",
    "node",
  ),
  DMP_DNS_RRL_IPV4_PREFIX: spec(
    int(8, 32),
    "24",
    "IPv4 prefix length of an RRL client network",
    "node",
  ),
  DMP_DNS_RRL_IPV6_PREFIX: spec(
    int(16, 128),
    "56",
    "IPv6 prefix length of an RRL client network",
    "node",
  ),
  DMP_DNS_RRL_TABLE_SIZE: spec(
    int(4, 16_777_216),
    "65536",
    "RRL buckets kept (20 bytes each, fixed at start whatever the number of sources)",
    "node",
  ),
  DMP_DNS_APEX_A: spec(ipv4, undefined, "Apex A of the served zone"),
  DMP_DNS_APEX_AAAA: spec(ipv6, undefined, "Apex AAAA of the served zone"),
  DMP_DNS_APEX_NS: spec(hostName, undefined, "Apex NS target and SOA MNAME of the served zone"),
  DMP_DNS_APEX_SOA_RNAME: spec(
    hostName,
    undefined,
    "SOA RNAME of the served zone (name form, e.g. hostmaster.example.com)",
  ),
  DMP_DNS_UPDATE_ENABLED: spec(
    bool,
    "false",
    "Accept RFC 2136 UPDATEs (TSIG-signed, and anonymous claims)",
  ),
  DMP_XFR_MAX_CONCURRENT: spec(
    int(1, 1000),
    "4",
    "Zone transfers (AXFR/IXFR) streamed at once; more get SERVFAIL and retry",
    "node",
  ),
  DMP_XFR_IXFR_VERSIONS: spec(
    int(0, 100_000),
    "1000",
    "Zone versions whose differences a node keeps for IXFR; older secondaries get the whole zone",
    "node",
  ),
  DMP_QUERY_LOG_SAMPLE: spec(
    int(0, 1_000_000),
    "100",
    "Query log: one query in this many (on average) is sampled; 0 turns the log off",
    "node",
  ),
  DMP_QUERY_LOG_MAX_PER_SECOND: spec(
    int(1, 10_000),
    "20",
    "Query log: most queries sampled in one second, whatever the query rate",
    "node",
  ),
  DMP_QUERY_LOG_ROWS: spec(
    int(1, 10_000),
    "500",
    "Query log: sampled queries a node holds in memory and keeps in the database",
    "node",
  ),
  DMP_QUERY_LOG_FLUSH_INTERVAL: spec(
    num(0.1),
    "2",
    "Query log: seconds between writes of a node's new samples (and TSIG last-used times)",
    "node",
  ),
  DMP_QUERY_LOG_STREAM_SECONDS: spec(
    int(5, 3600),
    "300",
    "Query log stream (SSE): seconds before the edge ends a stream (clients reconnect)",
    "edge",
  ),
  DMP_QUERY_LOG_MAX_STREAMS: spec(
    int(1, 100),
    "3",
    "Query log streams one dashboard session or the operator token may hold open per edge process",
    "edge",
  ),
  DMP_DNSSEC_DNSKEY_TTL: spec(
    int(1, MAX_TTL),
    String(KEY_RECORD_TTL),
    "TTL of a signed zone's DNSKEY, CDS and CDNSKEY; a rollover waits this long (plus the propagation delay) before a new ZSK signs",
  ),
  DMP_DNSSEC_MAX_ZONE_TTL: spec(
    int(0, MAX_TTL),
    "86400",
    "Longest TTL a signed zone's answers have: a rolled ZSK stays published this long (or the zone's largest stored TTL, if longer) after it stops signing",
  ),
  DMP_DNSSEC_PROPAGATION_DELAY: spec(
    int(0, MAX_TTL),
    "300",
    "Seconds for a key change to reach every node and secondary; added to every rollover wait (RFC 7583 Dprp)",
  ),
  DMP_DNSSEC_PARENT_DS_TTL: spec(
    int(0, MAX_TTL),
    "86400",
    "TTL of the DS at the parent: a new KSK signs this long (plus the propagation delay) after its DS is seen there",
  ),
  DMP_DNSSEC_DS_WAIT: spec(
    int(0, MAX_TTL),
    "0",
    "Seconds after a KSK rollover starts at which the parent is taken to serve the new DS; 0 = wait for `dmp zone ds-seen`",
  ),
  DMP_CLEANUP_INTERVAL: spec(
    num(0.1),
    "60",
    "Seconds between sweeps of expired records and of journal entries past DMP_JOURNAL_KEEP",
    "node",
  ),
  // Catching up through more entries than this costs more than reloading a zone of that size.
  DMP_JOURNAL_KEEP: spec(
    int(1000, 1_000_000_000),
    "200000",
    "Change-journal entries kept at the primary, the newest (each sweep prunes older ones); a node further behind reloads its zones, as at start",
    "node",
  ),
  // The overview's per-node stats rows (issue 14; store/node_stats.ts).
  DMP_NODE_STATS_INTERVAL: spec(
    num(0).refine((n) => n === 0 || (n >= 1 && n <= 3600), "expected 0 (off) or 1 to 3600"),
    "5",
    "Seconds between the node's stats rows (counters, journal position, last sync) written to the database for the dashboard overview; 0 = off",
    "node",
  ),
  DMP_NODE_STATS_NAME: spec(
    str.regex(NODE_NAME_PATTERN, "expected 1-64 letters, digits and . _ : @ -"),
    undefined,
    "This node's name in its stats rows and query log rows (default: DMP_NODE_HOSTNAME, else the machine's host name, then `:DMP_DNS_PORT`)",
    "node",
  ),
  DMP_LOG_LEVEL: spec(logLevel, "INFO", "DEBUG, INFO, WARNING or ERROR"),
  DMP_LOG_FORMAT: spec(logFormat, "text", "text or json (one object per line)"),
  DMP_MAX_TTL: spec(int(1, MAX_TTL), "86400", "Largest TTL a write may ask for"),
  DMP_MAX_VALUE_BYTES: spec(
    int(1, 65535),
    "2048",
    "Largest TXT value a write may store (UTF-8 bytes)",
  ),
  DMP_MAX_VALUES_PER_NAME: spec(int(1, 100_000), "64", "Most live TXT values one name may hold"),
  DMP_MAX_VALUES_PER_KEY_PER_NAME: spec(
    int(0, 100_000),
    "16",
    "Most live TXT values one user TSIG key may hold at one name, so one writer cannot fill a shared slot (0 = no limit)",
    "node",
  ),
  DMP_UPDATE_MAX_BYTES: spec(
    int(512, 65535),
    "16384",
    "Largest DNS UPDATE message accepted (bytes, TSIG included); larger ones are REFUSED",
    "node",
  ),
  DMP_UPDATE_COMMIT_INTERVAL_MS: spec(
    int(0, 1000),
    "10",
    "Least milliseconds between the starts of two UPDATE group commits while UPDATEs keep coming; larger groups cost the node and its primary far less CPU (0 = commit back to back)",
    "node",
  ),
  DMP_UPDATE_MAX_RRS: spec(
    int(1, 65535),
    "64",
    "Most prerequisite + update RRs in one DNS UPDATE; more are REFUSED",
    "node",
  ),
  DMP_QUOTA_RECORDS_PER_KEY: spec(
    int(0, 100_000_000),
    "4096",
    "Most live records one user TSIG key may have written through UPDATE (0 = no limit; zone-wide keys are exempt)",
    "node",
  ),
  DMP_QUOTA_BYTES_PER_KEY: spec(
    int(0, 2147483647),
    "8388608",
    "Most value bytes one user TSIG key may hold live through UPDATE (0 = no limit)",
    "node",
  ),
  DMP_QUOTA_RECORDS_PER_USER: spec(
    int(0, 100_000_000),
    "8192",
    "Most live records the keys of one registered user (subject) may have written through UPDATE (0 = no limit)",
    "node",
  ),
  DMP_QUOTA_BYTES_PER_USER: spec(
    int(0, 2147483647),
    "16777216",
    "Most value bytes the keys of one registered user may hold live through UPDATE (0 = no limit)",
    "node",
  ),
  DMP_HTTP_HOST: spec(str, "0.0.0.0", "Edge API listen address (Node/Deno entry points)", "edge"),
  DMP_HTTP_PORT: spec(port, "8053", "Edge API listen port", "edge"),
  DMP_NODE_HTTP_HOST: spec(
    str,
    "127.0.0.1",
    "udp-node's /health, /metrics and DoH listener address",
    "node",
  ),
  DMP_NODE_HTTP_PORT: spec(
    port,
    "8054",
    "udp-node's /health, /metrics and DoH listener port (0 = off)",
    "node",
  ),
  DMP_OPERATOR_TOKEN: spec(
    str,
    undefined,
    "Operator bearer token (operator API, /admin dashboard, /metrics)",
  ),
  DMP_HTTP_TOKEN: spec(str, undefined, "Alias of DMP_OPERATOR_TOKEN (reference name)"),
  DMP_AUTH_MODE: spec(
    authMode,
    undefined,
    "open, legacy or multi-tenant (default: open without a token, else legacy)",
    "edge",
  ),
  DMP_TSIG_SECRET_KEY: spec(
    str.regex(/^[0-9a-fA-F]{64}$/, "expected 64 hex characters"),
    undefined,
    "32-byte hex key that encrypts TSIG secrets at rest (AES-GCM); required for UPDATE and registration",
  ),
  DMP_CLAIM_PROVIDER: spec(
    str,
    "on",
    "0/false/no/off opts out of accepting anonymous claims (brief §3.6)",
  ),
  DMP_RECEIVER_CLAIM_NOTIFICATIONS: spec(
    bool,
    "false",
    "Accept anonymous claims only for registered recipients (M10)",
    "node",
  ),
  DMP_CLAIM_MAX_TTL: spec(
    int(1, MAX_TTL),
    "86400",
    "Largest claim lifetime and TTL accepted anonymously",
    "node",
  ),
  DMP_CLAIM_RATE_PER_USER_PER_SEC: spec(
    num(0),
    "0.5",
    "Anonymous claims per second per recipient",
    "node",
  ),
  DMP_CLAIM_RATE_BURST: spec(
    int(0, 1_000_000),
    "30",
    "Anonymous claim burst per recipient",
    "node",
  ),
  DMP_HEARTBEAT_SEEDS: spec(
    list,
    "",
    "Comma list of peer zones whose heartbeats are harvested (brief §4.4)",
  ),
  // Edge API: registration, auth and HTTP limits (brief §1.11, §2; issue 4).
  DMP_ALLOW_OPEN_PUBLIC_BIND: spec(
    bool,
    "false",
    "Allow open auth mode on a non-loopback HTTP bind (brief §1.1)",
    "edge",
  ),
  DMP_HTTP_RATE: spec(
    num(0),
    "10",
    "Per-IP HTTP requests per second on /v1/records (0 disables)",
    "edge",
  ),
  DMP_HTTP_BURST: spec(
    int(0, 1_000_000),
    "100",
    "Per-IP HTTP burst on /v1/records (0 disables)",
    "edge",
  ),
  DMP_TRUSTED_PROXY_HEADER: spec(
    z.string().trim().toLowerCase().pipe(
      z.enum(["x-forwarded-for", "cf-connecting-ip", "x-real-ip"]),
    ),
    undefined,
    "Client-address header set by a trusted proxy (x-forwarded-for: last entry), for the edge and the node's DoH; unset = peer address",
    "both",
  ),
  // Reference compares case-sensitively: only exactly 1/true/yes/on (stripped) enables it.
  DMP_REGISTRATION_ENABLED: spec(
    z.string().transform((s) => TRUTHY.has(s.trim())),
    "false",
    "Enable /v1/registration/* (needs DMP_AUTH_MODE=multi-tenant and DMP_NODE_HOSTNAME; case-sensitive)",
    "edge",
  ),
  DMP_REGISTRATION_ALLOWLIST: spec(
    z.string().transform((s) => s.split(",").map((x) => x.trim().toLowerCase()).filter((x) => x)),
    "",
    "Comma list of subject domains allowed to register (empty = any)",
    "edge",
  ),
  DMP_REGISTRATION_TOKEN_TTL_SECONDS: spec(
    int(0, MAX_LIFETIME_SECONDS),
    "7776000",
    "Lifetime of self-service tokens and minted TSIG keys (0 = never)",
    "edge",
  ),
  DMP_REGISTRATION_ISSUED_RATE_PER_SEC: spec(
    num(0),
    "10.0",
    "Rate stamped on self-service bearer tokens",
    "edge",
  ),
  DMP_REGISTRATION_ISSUED_RATE_BURST: spec(
    int(0, 1_000_000),
    "50",
    "Burst stamped on self-service bearer tokens",
    "edge",
  ),
  DMP_REGISTRATION_ENDPOINT_RATE_PER_SEC: spec(
    num(0),
    "5/3600",
    "Per-IP registration requests per second (challenge and confirms share it)",
    "edge",
  ),
  DMP_REGISTRATION_ENDPOINT_RATE_BURST: spec(
    int(0, 1_000_000),
    "5",
    "Per-IP registration burst",
    "edge",
  ),
  DMP_REGISTRATION_SECRET: spec(
    str.regex(/^[0-9a-fA-F]{64}$/, "expected 64 hex characters"),
    undefined,
    "32-byte hex key for stateless challenges (default: derived from DMP_TSIG_SECRET_KEY)",
    "edge",
  ),
  DMP_TSIG_LOOSE_SCOPE: spec(bool, "false", "Minted TSIG keys get the whole zone", "edge"),
  DMP_TSIG_TIGHT_SCOPE: spec(bool, "false", "Minted TSIG keys get no wildcard suffixes", "edge"),
  // Heartbeat and discovery (brief §4.2–§4.4; issue 6).
  DMP_HEARTBEAT_ENABLED: spec(
    z.string().transform((v) => TRUTHY.has(v.trim())),
    "false",
    "Publish a signed heartbeat and harvest peers (reference: case-sensitive 1/true/yes/on)",
    "node",
  ),
  DMP_HEARTBEAT_SELF_ENDPOINT: spec(
    str,
    undefined,
    "This node's public endpoint, `https://host[:port]`, no path",
    "node",
  ),
  DMP_HEARTBEAT_OPERATOR_KEY_PATH: spec(
    str,
    undefined,
    "File with the operator's raw Ed25519 seed (32 bytes or 64 hex)",
    "node",
  ),
  DMP_HEARTBEAT_INTERVAL_SECONDS: spec(
    num(1),
    "240",
    "Seconds between heartbeat ticks; below the 300 s freshness window so peers never see a stale wire (brief §8.3 item 14)",
    "node",
  ),
  DMP_HEARTBEAT_TTL_SECONDS: spec(
    int(60, 30 * 86400),
    "86400",
    "Lifetime (exp − ts) of our heartbeat wire",
    "node",
  ),
  DMP_HEARTBEAT_VERSION: spec(
    str.max(32),
    "dmp-edge-0.1.0",
    "Version string in our heartbeat (≤ 32 ASCII)",
    "node",
  ),
  DMP_HEARTBEAT_DNS_RESOLVERS: spec(
    list,
    "",
    "Comma list of `ip` or `ip:port` resolvers used to harvest peers",
    "node",
  ),
  DMP_HEARTBEAT_MAX_PEERS: spec(int(1, 1000), "25", "Zones harvested per tick", "node"),
  DMP_HEARTBEAT_INGEST_SKEW_SECONDS: spec(
    int(300, 86400),
    "1800",
    "Clock skew accepted when ingesting peer wires (signature and exp still enforced; brief §8.3 item 14)",
    "node",
  ),
  // Directory aggregator at the edge (brief §4.10; issue 6).
  DMP_DIRECTORY_ENABLED: spec(
    bool,
    "false",
    "Serve the directory (POST /v1/heartbeat, /v1/nodes/seen, /v1/directory/feed.json, /nodes) and run its crawl; off = 404 (reference 0.5+)",
    "edge",
  ),
  DMP_DIRECTORY_SEEDS: spec(
    list,
    "",
    "Comma list of zones the edge directory crawl starts from (legacy `https://host` takes the host)",
    "edge",
  ),
  DMP_DIRECTORY_SEED_URLS: spec(
    list,
    "",
    "Comma list of https:// seed lists (one zone per line; no redirects, 64 KiB cap)",
    "edge",
  ),
  DMP_DIRECTORY_DOH_URLS: spec(
    list,
    "",
    "Comma list of DoH (RFC 8484) endpoints the crawl queries in turn; https, or http on loopback",
    "edge",
  ),
  DMP_DIRECTORY_DOH_ALLOW_HTTP: spec(
    bool,
    "false",
    "Allow plain-http DoH URLs on non-loopback hosts (a trusted private network only)",
    "edge",
  ),
  DMP_DIRECTORY_CRAWL_INTERVAL_SECONDS: spec(
    int(1, 86400),
    "300",
    "Seconds between directory crawls (Node/Deno timers; Workers use the cron trigger)",
    "edge",
  ),
  DMP_DIRECTORY_MAX_DEPTH: spec(
    int(0, 16),
    "3",
    "Hops the crawl follows beyond its seeds (0 = seeds only, like the reference aggregator)",
    "edge",
  ),
  DMP_DIRECTORY_MAX_ZONES: spec(
    int(1, 1000),
    "20",
    "Zones one crawl visits at most (2 DoH requests each; mind the Workers subrequest limit)",
    "edge",
  ),
  DMP_DIRECTORY_INGEST_SKEW_SECONDS: spec(
    int(300, 86400),
    "1800",
    "Clock skew the directory accepts on heartbeat wires (signature and exp still enforced)",
    "edge",
  ),
  DMP_DIRECTORY_SEEN_MAX_ROWS: spec(
    int(10, 1_000_000),
    "5000",
    "Most heartbeats the directory keeps; beyond it unverified then oldest rows go, never one two independent sources saw within the hour",
    "edge",
  ),
  DMP_DIRECTORY_SEEN_PER_OPERATOR: spec(
    int(1, 10_000),
    "8",
    "Most endpoints the directory keeps per operator key (a new one beyond it is refused)",
    "edge",
  ),
  DMP_DIRECTORY_SEEN_PER_SOURCE: spec(
    int(1, 100_000),
    "16",
    "Most heartbeat rows one POST source (/24 or /56) may create (429 beyond it)",
    "edge",
  ),
} as const;

/** Names of every variable in {@linkcode ENV_VARS}. */
export type EnvVarName = keyof typeof ENV_VARS;

/** The parsed configuration: each variable's value, or undefined when unset without default. */
export type Config = {
  [K in EnvVarName]: (typeof ENV_VARS)[K] extends EnvVarSpec<infer T> & { default: infer D }
    ? D extends string ? T : T | undefined
    : never;
};

/** A bad environment value; the message names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * Parses the environment. Empty strings count as unset (reference semantics).
 * Throws {@linkcode ConfigError} naming the first bad variable.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./env.ts";
 * const c = loadConfig({ DMP_DNS_PORT: "53" });
 * if (c.DMP_DNS_PORT !== 53 || c.DMP_DNS_TTL !== 60) throw new Error();
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(ENV_VARS) as [string, EnvVarSpec<unknown>][]) {
    const raw = env[name];
    const text = raw === undefined || raw.trim() === "" ? s.default : raw;
    if (text === undefined) {
      out[name] = undefined;
      continue;
    }
    const r = s.schema.safeParse(text);
    if (!r.success) {
      const msg = r.error.issues[0]?.message ?? "invalid value";
      throw new ConfigError(`Cannot start: ${name}=${JSON.stringify(raw)} is invalid: ${msg}`);
    }
    out[name] = r.data;
  }
  return out as Config;
}

/**
 * The served zone per the reference chain (brief §1.2), or "" when none is set.
 *
 * @example
 * ```ts
 * import { loadConfig, servedZone } from "./env.ts";
 * if (servedZone(loadConfig({ DMP_DOMAIN: "Mesh.Example." })) !== "mesh.example") throw new Error();
 * ```
 */
export function servedZone(c: Config): string {
  return c.DMP_SERVED_ZONE || c.DMP_DOMAIN || c.DMP_NODE_HOSTNAME || "";
}

/**
 * The operator token (DMP_OPERATOR_TOKEN, else the DMP_HTTP_TOKEN alias).
 *
 * @example
 * ```ts
 * import { loadConfig, operatorToken } from "./env.ts";
 * if (operatorToken(loadConfig({ DMP_HTTP_TOKEN: "t" })) !== "t") throw new Error();
 * ```
 */
export function operatorToken(c: Config): string | undefined {
  return c.DMP_OPERATOR_TOKEN || c.DMP_HTTP_TOKEN || undefined;
}

/**
 * True unless DMP_CLAIM_PROVIDER is one of 0/false/no/off (brief §1.2).
 *
 * @example
 * ```ts
 * import { claimProviderEnabled, loadConfig } from "./env.ts";
 * if (claimProviderEnabled(loadConfig({ DMP_CLAIM_PROVIDER: "OFF" }))) throw new Error();
 * ```
 */
export function claimProviderEnabled(c: Config): boolean {
  return !FALSY.has(c.DMP_CLAIM_PROVIDER.trim().toLowerCase());
}

/**
 * DMP_* variables in `env` that dmp-edge does not read: reported at start-up,
 * not silently ignored.
 *
 * @example
 * ```ts
 * import { unknownDmpVariables } from "./env.ts";
 * if (unknownDmpVariables({ DMP_FOO: "1", DMP_DNS_PORT: "53" })[0] !== "DMP_FOO") throw new Error();
 * ```
 */
export function unknownDmpVariables(env: Record<string, string | undefined>): string[] {
  return Object.keys(env).filter((k) => k.startsWith("DMP_") && !(k in ENV_VARS)).sort();
}

/** The rollover waits of `c` (`dnssec/key_timeline.ts`). */
export function rolloverTimings(c: Config): RolloverTimings {
  return {
    dnskeyTtl: c.DMP_DNSSEC_DNSKEY_TTL,
    maxZoneTtl: c.DMP_DNSSEC_MAX_ZONE_TTL,
    propagation: c.DMP_DNSSEC_PROPAGATION_DELAY,
    parentDsTtl: c.DMP_DNSSEC_PARENT_DS_TTL,
    dsWait: c.DMP_DNSSEC_DS_WAIT,
  };
}
