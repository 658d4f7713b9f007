/**
 * The directory's seen store (brief §4.5, §4.10; issue 6): verified heartbeat
 * wires keyed by (operator key, endpoint), plus the seen-graph edges.
 *
 * Rules, as the reference `SeenStore` (brief §4.5) with the fixes of §8.3:
 * - the wire is stored verbatim, with its parsed fields beside it;
 * - a wire replaces the stored one only when its `ts` is at least the stored
 *   `ts` (an older wire is "stale": a replay, or a lagging copy);
 * - the zones a wire was read through accumulate in `via_zones` (at most
 *   {@linkcode VIA_ZONES_MAX}), as the reference aggregator's `last_seen_via`;
 * - every write also deletes expired rows (`exp <= now`) and evicts beyond
 *   the row cap, so the table stays bounded; unlike the reference (§8.3
 *   item 15) the sweep runs on every write;
 * - quotas and eviction resist a flood of self-signed wires (issue 12
 *   finding 11): a new row is refused when its operator key already holds
 *   `perOperator` rows or its POST source (/24, /56) created `perSource`;
 *   eviction takes unverified rows first (no zone served them recently: only
 *   POSTed, or their DNS stopped answering), oldest first, and never a row
 *   {@linkcode HEARTBEAT_INDEPENDENT_SOURCES} independent sources saw within
 *   {@linkcode HEARTBEAT_RECENT_SECONDS} (each zone counts once, all POST
 *   sources together once: addresses are cheap, zones served over DNS are not).
 *
 * Verification is the caller's job (`parseHeartbeatWire`); this module only
 * stores what it is given. One call is one atomic batch (one round trip to a
 * remote primary, which matters on Workers' subrequest budget).
 *
 * This module is browser compatible.
 * @module
 */

import { type Config, ENV_VARS } from "../config/env.ts";
import { validateHeartbeatEndpoint } from "../dmp/heartbeat_endpoint.ts";
import type { SqlClient, SqlStatement } from "./sql_client.ts";

/** A sighting this recent counts towards protection from eviction (seconds). */
export const HEARTBEAT_RECENT_SECONDS = 3600;
/** Independent recent sightings that protect a row from eviction. */
export const HEARTBEAT_INDEPENDENT_SOURCES = 2;
/** Most sightings rows kept (least recently seen evicted beyond it). */
export const HEARTBEAT_SIGHTINGS_MAX_ROWS = 50000;

/** The bounds of the seen store (defaults from the constants above). */
export interface HeartbeatSeenLimits {
  maxRows: number;
  perOperator: number;
  perSource: number;
}

/** The default bounds: the defaults of DMP_DIRECTORY_SEEN_* (config/env.ts is their one home). */
export const DEFAULT_HEARTBEAT_SEEN_LIMITS: HeartbeatSeenLimits = {
  maxRows: Number(ENV_VARS.DMP_DIRECTORY_SEEN_MAX_ROWS.default),
  perOperator: Number(ENV_VARS.DMP_DIRECTORY_SEEN_PER_OPERATOR.default),
  perSource: Number(ENV_VARS.DMP_DIRECTORY_SEEN_PER_SOURCE.default),
};
/** Most edges kept (least recently seen evicted beyond it). */
export const SEEN_EDGES_MAX_ROWS = 20000;
/** Edges not seen for this long are dropped (seconds). */
export const SEEN_EDGES_RETENTION_SECONDS = 7 * 86400;
/** Most zones remembered per row in `via_zones`. */
export const VIA_ZONES_MAX = 16;

/** The fields of a verified heartbeat the store keeps (a `HeartbeatRecord` fits). */
export interface HeartbeatSeenInput {
  readonly operatorSpkHex: string;
  readonly endpoint: string;
  readonly wire: string;
  readonly ts: number;
  readonly exp: number;
  readonly version: string;
  readonly claimProviderZone: string;
  readonly capabilities: number;
}

/** A stored heartbeat. */
export interface HeartbeatSeenRow {
  operatorSpkHex: string;
  endpoint: string;
  wire: string;
  ts: number;
  exp: number;
  version: string;
  claimProviderZone: string;
  capabilities: number;
  /** When we last stored it (unix seconds). */
  receivedAt: number;
  /** Zones it was read through (empty for wires POSTed directly). */
  viaZones: string[];
}

/** One seen-graph edge: `fromSpk`'s seen RRset carried `toSpk`'s wire. */
export interface SeenEdge {
  fromSpk: string;
  toSpk: string;
  /** `ts` of the newest such wire (unix seconds). */
  lastSeenTs: number;
}

/**
 * The bounds an operator configured (DMP_DIRECTORY_SEEN_*).
 *
 * @param c the loaded config
 * @returns the limits for {@linkcode storeHeartbeats}
 *
 * @example
 * ```ts
 * import { loadConfig } from "../config/env.ts";
 * import { seenLimits } from "./heartbeats_seen.ts";
 * if (seenLimits(loadConfig({ DMP_DIRECTORY_SEEN_PER_SOURCE: "3" })).perSource !== 3) throw new Error();
 * ```
 */
export function seenLimits(c: Config): HeartbeatSeenLimits {
  return {
    maxRows: c.DMP_DIRECTORY_SEEN_MAX_ROWS,
    perOperator: c.DMP_DIRECTORY_SEEN_PER_OPERATOR,
    perSource: c.DMP_DIRECTORY_SEEN_PER_SOURCE,
  };
}

/**
 * What happened to one wire given to {@linkcode storeHeartbeats}: `quota`
 * when it would have been a new row beyond its operator's or source's quota.
 */
export type StoreHeartbeatOutcome = "stored" | "stale" | "quota";

/** One wire to store, the zones it was read through, and who POSTed it. */
export interface HeartbeatSeenEntry {
  heartbeat: HeartbeatSeenInput;
  via: readonly string[];
  /** `post:<prefix>` for a POSTed wire ({@linkcode postSource}); absent for the crawl */
  source?: string;
}

/**
 * The source key of a wire POSTed from `address`: its /24 (IPv4) or /56
 * (IPv6), the prefixes one party usually holds (as RRL aggregates, RFC-less
 * practice of NSD/Knot/BIND).
 *
 * @param address the client address (textual IPv4 or IPv6)
 * @returns `post:<prefix>`
 *
 * @example
 * ```ts
 * import { postSource } from "./heartbeats_seen.ts";
 * if (postSource("192.0.2.77") !== "post:192.0.2.0/24") throw new Error();
 * if (postSource("2001:db8:1:2ff::1") !== "post:2001:db8:1:200::/56") throw new Error();
 * ```
 */
export function postSource(address: string): string {
  const a = address.trim().toLowerCase().replace(/^\[|\]$/g, "");
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.\d+$/.exec(a) ??
    /^::ffff:(\d+)\.(\d+)\.(\d+)\.\d+$/.exec(a);
  if (v4) return `post:${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (a.includes(":")) {
    const [head, tail = ""] = a.split("::");
    const hi = head ? head.split(":") : [];
    const lo = tail ? tail.split(":") : [];
    const groups = a.includes("::")
      ? [...hi, ...Array(Math.max(0, 8 - hi.length - lo.length)).fill("0"), ...lo]
      : hi;
    const g = groups.map((x) => parseInt(x || "0", 16) || 0);
    while (g.length < 4) g.push(0);
    return `post:${g[0].toString(16)}:${g[1].toString(16)}:${g[2].toString(16)}:${
      (g[3] & 0xff00).toString(16)
    }::/56`;
  }
  return `post:${a}`;
}

// The union keeps first-seen order: stored zones first, then new ones. A new row is
// inserted only within its operator's and, when POSTed, its source's quotas (an update of an
// existing row always may; the crawl is bounded by its own zone and depth limits); the
// SELECT's WHERE is evaluated in the same transaction as the insert.
const UPSERT_SQL = `INSERT INTO heartbeats_seen
    (operator_spk_hex, endpoint, wire, ts, exp, version, claim_provider_zone, capabilities,
     received_at, via_zones, first_source)
  SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11
  WHERE EXISTS (SELECT 1 FROM heartbeats_seen WHERE operator_spk_hex = ?1 AND endpoint = ?2)
    OR ((SELECT count(*) FROM heartbeats_seen WHERE operator_spk_hex = ?1) < ?12
      AND (?11 NOT LIKE 'post:%' OR (SELECT count(*) FROM heartbeats_seen WHERE first_source = ?11) < ?13))
  ON CONFLICT (operator_spk_hex, endpoint) DO UPDATE SET
    wire = excluded.wire, ts = excluded.ts, exp = excluded.exp, version = excluded.version,
    claim_provider_zone = excluded.claim_provider_zone, capabilities = excluded.capabilities,
    received_at = excluded.received_at,
    via_zones = (SELECT json_group_array(value) FROM (
      SELECT value FROM (
        SELECT value, key AS o FROM json_each(heartbeats_seen.via_zones)
        UNION ALL SELECT value, 1000 + key FROM json_each(excluded.via_zones))
      GROUP BY value ORDER BY min(o) LIMIT ${VIA_ZONES_MAX}))
  WHERE excluded.ts >= heartbeats_seen.ts`;

const SIGHTING_SQL =
  `INSERT INTO heartbeat_sightings (operator_spk_hex, endpoint, source, last_seen)
  SELECT ?1, ?2, ?3, ?4
  WHERE EXISTS (SELECT 1 FROM heartbeats_seen WHERE operator_spk_hex = ?1 AND endpoint = ?2)
  ON CONFLICT (operator_spk_hex, endpoint, source) DO UPDATE SET
    last_seen = MAX(last_seen, excluded.last_seen)`;

const EXISTS_SQL = "SELECT 1 FROM heartbeats_seen WHERE operator_spk_hex = ? AND endpoint = ?";

const EDGE_SQL = `INSERT INTO heartbeat_seen_edges (from_spk, to_spk, last_seen_ts) VALUES (?, ?, ?)
  ON CONFLICT (from_spk, to_spk) DO UPDATE SET
    last_seen_ts = MAX(last_seen_ts, excluded.last_seen_ts)`;

// After a row's sightings are written: when a zone served it, and whether it now has enough
// independent recent sightings (each zone once, all POST sources together once).
const CORROBORATE_SQL = `UPDATE heartbeats_seen SET
    zone_seen_at = CASE WHEN ?3 THEN ?4 ELSE zone_seen_at END,
    corroborated_at = CASE WHEN
      (SELECT count(*) FROM heartbeat_sightings s
        WHERE s.operator_spk_hex = ?1 AND s.endpoint = ?2 AND s.source LIKE 'zone:%'
          AND s.last_seen >= ?5)
      + EXISTS (SELECT 1 FROM heartbeat_sightings s
        WHERE s.operator_spk_hex = ?1 AND s.endpoint = ?2 AND s.source LIKE 'post:%'
          AND s.last_seen >= ?5)
      >= ${HEARTBEAT_INDEPENDENT_SOURCES} THEN ?4 ELSE corroborated_at END
  WHERE operator_spk_hex = ?1 AND endpoint = ?2`;

/** Statements that keep every table bounded; part of every write batch. */
function sweepStatements(now: number, maxRows: number): SqlStatement[] {
  return [
    { sql: "DELETE FROM heartbeats_seen WHERE exp <= ?", args: [now] },
    {
      // Unverified first (no zone served it recently), oldest received first; each pass
      // walks the received_at index and stops after the excess.
      sql: `DELETE FROM heartbeats_seen WHERE (SELECT count(*) FROM heartbeats_seen) > ?1
        AND rowid IN (
          SELECT rowid FROM heartbeats_seen WHERE corroborated_at < ?2 AND zone_seen_at < ?2
          ORDER BY received_at ASC, ts ASC
          LIMIT MAX(0, (SELECT count(*) FROM heartbeats_seen) - ?1))`,
      args: [maxRows, now - HEARTBEAT_RECENT_SECONDS],
    },
    {
      // Then verified ones; rows that enough independent sources saw recently never go.
      sql: `DELETE FROM heartbeats_seen WHERE (SELECT count(*) FROM heartbeats_seen) > ?1
        AND rowid IN (
          SELECT rowid FROM heartbeats_seen WHERE corroborated_at < ?2
          ORDER BY received_at ASC, ts ASC
          LIMIT MAX(0, (SELECT count(*) FROM heartbeats_seen) - ?1))`,
      args: [maxRows, now - HEARTBEAT_RECENT_SECONDS],
    },
    {
      // Rows take their sightings along (trigger, migration 5); old sightings go here.
      sql: "DELETE FROM heartbeat_sightings WHERE last_seen < ?",
      args: [now - SEEN_EDGES_RETENTION_SECONDS],
    },
    {
      sql: `DELETE FROM heartbeat_sightings WHERE rowid IN (
        SELECT rowid FROM heartbeat_sightings ORDER BY last_seen ASC
        LIMIT MAX(0, (SELECT count(*) FROM heartbeat_sightings) - ?))`,
      args: [HEARTBEAT_SIGHTINGS_MAX_ROWS],
    },
    {
      sql: "DELETE FROM heartbeat_seen_edges WHERE last_seen_ts < ?",
      args: [now - SEEN_EDGES_RETENTION_SECONDS],
    },
    {
      sql: `DELETE FROM heartbeat_seen_edges WHERE rowid IN (
        SELECT rowid FROM heartbeat_seen_edges ORDER BY last_seen_ts ASC
        LIMIT MAX(0, (SELECT count(*) FROM heartbeat_seen_edges) - ?))`,
      args: [SEEN_EDGES_MAX_ROWS],
    },
  ];
}

/**
 * Stores verified wires, their sightings and seen-graph edges in one atomic
 * batch, then sweeps expired rows and evicts beyond the caps.
 *
 * @param client the store
 * @param options the wires (each with the zones it came through and its POST source), edges,
 *   `now` (unix seconds) and the bounds (default {@linkcode DEFAULT_HEARTBEAT_SEEN_LIMITS})
 * @returns per entry: `stored`; `stale` when the stored wire has a newer `ts`; `quota` when a new
 *   row was refused by its operator's or source's quota
 *
 * @example
 * ```ts ignore
 * const [outcome] = await storeHeartbeats(client, { entries: [{ heartbeat: record, via: [] }], edges: [], now });
 * ```
 */
export async function storeHeartbeats(
  client: SqlClient,
  options: {
    entries: readonly HeartbeatSeenEntry[];
    edges?: readonly SeenEdge[];
    now: number;
    limits?: Partial<HeartbeatSeenLimits>;
  },
): Promise<StoreHeartbeatOutcome[]> {
  const now = Math.floor(options.now);
  const limits = { ...DEFAULT_HEARTBEAT_SEEN_LIMITS, ...options.limits };
  const stmts: SqlStatement[] = [
    // Expired rows go first, so an expired stored wire never blocks a fresh one.
    { sql: "DELETE FROM heartbeats_seen WHERE exp <= ?", args: [now] },
  ];
  // Which entries already have a row (only to tell `stale` from `quota` afterwards).
  for (const { heartbeat: h } of options.entries) {
    stmts.push({ sql: EXISTS_SQL, args: [h.operatorSpkHex, h.endpoint] });
  }
  const upsertAt = stmts.length;
  for (const { heartbeat: h, via, source } of options.entries) {
    stmts.push({
      sql: UPSERT_SQL,
      args: [
        h.operatorSpkHex,
        h.endpoint,
        h.wire,
        h.ts,
        h.exp,
        h.version,
        h.claimProviderZone,
        h.capabilities,
        now,
        JSON.stringify([...new Set(via)].slice(0, VIA_ZONES_MAX)),
        source ?? (via.length ? `zone:${via[0]}` : ""),
        limits.perOperator,
        limits.perSource,
      ],
    });
  }
  for (const { heartbeat: h, via, source } of options.entries) {
    const sources = [...new Set(via)].slice(0, VIA_ZONES_MAX).map((z) => `zone:${z}`);
    if (source) sources.push(source);
    for (const src of sources) {
      stmts.push({ sql: SIGHTING_SQL, args: [h.operatorSpkHex, h.endpoint, src, now] });
    }
    stmts.push({
      sql: CORROBORATE_SQL,
      args: [
        h.operatorSpkHex,
        h.endpoint,
        via.length > 0 ? 1 : 0,
        now,
        now - HEARTBEAT_RECENT_SECONDS,
      ],
    });
  }
  for (const e of options.edges ?? []) {
    stmts.push({ sql: EDGE_SQL, args: [e.fromSpk, e.toSpk, e.lastSeenTs] });
  }
  stmts.push(...sweepStatements(now, limits.maxRows));
  const results = await client.batch(stmts, "write");
  return options.entries.map((_, i) => {
    if (results[upsertAt + i].rowsAffected > 0) return "stored";
    return results[1 + i].rows.length > 0 ? "stale" : "quota";
  });
}

/**
 * Deletes expired rows and evicts beyond the caps (also done by every write).
 *
 * @param client the store
 * @param now unix seconds
 * @param maxRows the row cap (DMP_DIRECTORY_SEEN_MAX_ROWS)
 */
export async function sweepHeartbeatsSeen(
  client: SqlClient,
  now: number,
  maxRows: number = DEFAULT_HEARTBEAT_SEEN_LIMITS.maxRows,
): Promise<void> {
  await client.batch(sweepStatements(Math.floor(now), maxRows), "write");
}

function text(v: unknown): string {
  return typeof v === "string" ? v : v === null || v === undefined ? "" : String(v);
}

function integer(v: unknown): number {
  const n = typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : Number(text(v));
  return Number.isFinite(n) ? n : 0;
}

function zones(v: unknown): string[] {
  try {
    const parsed: unknown = JSON.parse(text(v) || "[]");
    return Array.isArray(parsed) ? parsed.filter((z): z is string => typeof z === "string") : [];
  } catch {
    return [];
  }
}

function toRow(r: Record<string, unknown>): HeartbeatSeenRow {
  return {
    operatorSpkHex: text(r.operator_spk_hex),
    endpoint: text(r.endpoint),
    wire: text(r.wire),
    ts: integer(r.ts),
    exp: integer(r.exp),
    version: text(r.version),
    claimProviderZone: text(r.claim_provider_zone),
    capabilities: integer(r.capabilities),
    receivedAt: integer(r.received_at),
    viaZones: zones(r.via_zones),
  };
}

/**
 * Live rows (`exp > now`) whose endpoint passes today's rule, newest `ts`
 * first (the reference `list_recent`);
 * when more than `limit` are live, those a zone served within
 * {@linkcode HEARTBEAT_RECENT_SECONDS} are taken first.
 *
 * @param client the store
 * @param options `now` (unix seconds), `limit`, and an operator key to leave out
 * @returns the rows
 *
 * @example
 * ```ts ignore
 * const rows = await listRecentHeartbeats(client, { now, limit: 500 });
 * ```
 */
export async function listRecentHeartbeats(
  client: SqlClient,
  options: { now: number; limit: number; excludeSpkHex?: string },
): Promise<HeartbeatSeenRow[]> {
  const r = await client.execute({
    // Which rows make the page: those a zone served recently first (issue 12 finding 11:
    // a flood of POSTed self-signed wires with fresh ts must not push crawled nodes off
    // it); the page itself is in ts order, as the reference's.
    sql: `SELECT * FROM (
            SELECT h.* FROM heartbeats_seen h WHERE h.exp > ?1 AND h.operator_spk_hex <> ?2
            ORDER BY h.zone_seen_at >= ?4 DESC, h.ts DESC
            LIMIT ?3)
          ORDER BY ts DESC, operator_spk_hex, endpoint`,
    args: [
      Math.floor(options.now),
      options.excludeSpkHex ?? "",
      Math.max(0, options.limit),
      Math.floor(options.now) - HEARTBEAT_RECENT_SECONDS,
    ],
  });
  // Rows stored before an endpoint rule tightened (issue 12 finding 12) stay until they
  // expire; they are never listed, so never republished as links.
  return Array.from(r.rows, toRow).filter((row) =>
    validateHeartbeatEndpoint(row.endpoint) === null
  );
}

/**
 * Seen-graph edges, most recently seen first.
 *
 * @param client the store
 * @param options `limit`, and `since` (unix seconds) to leave out older edges
 * @returns the edges
 *
 * @example
 * ```ts ignore
 * const edges = await listSeenEdges(client, { limit: 5000, since: now - 86400 });
 * ```
 */
export async function listSeenEdges(
  client: SqlClient,
  options: { limit: number; since?: number },
): Promise<SeenEdge[]> {
  const r = await client.execute({
    sql: `SELECT from_spk, to_spk, last_seen_ts FROM heartbeat_seen_edges WHERE last_seen_ts >= ?
          ORDER BY last_seen_ts DESC, from_spk, to_spk LIMIT ?`,
    args: [Math.floor(options.since ?? 0), Math.max(0, options.limit)],
  });
  return Array.from(r.rows, (row) => ({
    fromSpk: text(row.from_spk),
    toSpk: text(row.to_spk),
    lastSeenTs: integer(row.last_seen_ts),
  }));
}
