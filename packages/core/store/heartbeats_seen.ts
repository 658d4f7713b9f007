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
 * - every write also deletes expired rows (`exp <= now`) and evicts the
 *   oldest-received rows beyond the row cap, so the table stays bounded;
 *   unlike the reference (§8.3 item 15) the sweep runs on every write.
 *
 * Verification is the caller's job (`parseHeartbeatWire`); this module only
 * stores what it is given. One call is one atomic batch (one round trip to a
 * remote primary, which matters on Workers' subrequest budget).
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient, SqlStatement } from "./sql_client.ts";

/** Most rows kept (oldest-received evicted beyond it). */
export const HEARTBEATS_SEEN_MAX_ROWS = 5000;
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

/** What happened to one wire given to {@linkcode storeHeartbeats}. */
export type StoreHeartbeatOutcome = "stored" | "stale";

/** One wire to store and the zones it was read through. */
export interface HeartbeatSeenEntry {
  heartbeat: HeartbeatSeenInput;
  via: readonly string[];
}

// The union keeps first-seen order: stored zones first, then new ones.
const UPSERT_SQL = `INSERT INTO heartbeats_seen
    (operator_spk_hex, endpoint, wire, ts, exp, version, claim_provider_zone, capabilities,
     received_at, via_zones)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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

const EDGE_SQL = `INSERT INTO heartbeat_seen_edges (from_spk, to_spk, last_seen_ts) VALUES (?, ?, ?)
  ON CONFLICT (from_spk, to_spk) DO UPDATE SET
    last_seen_ts = MAX(last_seen_ts, excluded.last_seen_ts)`;

/** Statements that keep both tables bounded; part of every write batch. */
function sweepStatements(now: number, maxRows: number): SqlStatement[] {
  return [
    { sql: "DELETE FROM heartbeats_seen WHERE exp <= ?", args: [now] },
    {
      sql: `DELETE FROM heartbeats_seen WHERE rowid IN (
        SELECT rowid FROM heartbeats_seen ORDER BY received_at ASC, ts ASC
        LIMIT MAX(0, (SELECT count(*) FROM heartbeats_seen) - ?))`,
      args: [maxRows],
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
 * Stores verified wires and seen-graph edges in one atomic batch, then sweeps
 * expired rows and evicts beyond the caps.
 *
 * @param client the store
 * @param options the wires (each with the zones it came through), edges, `now` (unix seconds)
 *   and an optional row cap (default {@linkcode HEARTBEATS_SEEN_MAX_ROWS})
 * @returns per entry: `stored`, or `stale` when the stored wire has a newer `ts`
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
    maxRows?: number;
  },
): Promise<StoreHeartbeatOutcome[]> {
  const now = Math.floor(options.now);
  const stmts: SqlStatement[] = [
    // Expired rows go first, so an expired stored wire never blocks a fresh one.
    { sql: "DELETE FROM heartbeats_seen WHERE exp <= ?", args: [now] },
  ];
  for (const { heartbeat: h, via } of options.entries) {
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
      ],
    });
  }
  for (const e of options.edges ?? []) {
    stmts.push({ sql: EDGE_SQL, args: [e.fromSpk, e.toSpk, e.lastSeenTs] });
  }
  stmts.push(...sweepStatements(now, options.maxRows ?? HEARTBEATS_SEEN_MAX_ROWS));
  const results = await client.batch(stmts, "write");
  return options.entries.map((_, i) => results[1 + i].rowsAffected > 0 ? "stored" : "stale");
}

/**
 * Deletes expired rows and evicts beyond the caps (also done by every write).
 *
 * @param client the store
 * @param now unix seconds
 */
export async function sweepHeartbeatsSeen(client: SqlClient, now: number): Promise<void> {
  await client.batch(sweepStatements(Math.floor(now), HEARTBEATS_SEEN_MAX_ROWS), "write");
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
 * Live rows (`exp > now`), newest `ts` first (the reference `list_recent`).
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
    sql: `SELECT * FROM heartbeats_seen WHERE exp > ? AND operator_spk_hex <> ?
          ORDER BY ts DESC, operator_spk_hex, endpoint LIMIT ?`,
    args: [Math.floor(options.now), options.excludeSpkHex ?? "", Math.max(0, options.limit)],
  });
  return Array.from(r.rows, toRow);
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
