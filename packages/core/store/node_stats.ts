/**
 * Per-node stats rows (issue 14, the overview): each udp-node writes its
 * cumulative counters, journal position and last sync every
 * `DMP_NODE_STATS_INTERVAL` seconds; the edge reads the last hour of them
 * and turns them into rates (`metrics/node_stats_summary.ts`).
 *
 * Bounds, so that no node (or a fleet of misnamed ones) can grow the table:
 * one row per node per minute bucket (a write in the same minute replaces
 * it), every write deletes the rows older than the retained hour (judged by
 * the primary's clock, so one node with a wrong clock cannot wipe the
 * others' rows, and by the node's own clock for its own rows), at most
 * {@linkcode MAX_NODE_STATS_NODES} distinct nodes within that hour (a new
 * name past it writes nothing), and every field is checked before it is
 * bound (name and version lengths, non-negative safe integers).
 *
 * This module is browser compatible.
 * @module
 */

import { safeIntegerColumn } from "./safe_integer_column.ts";
import type { SqlClient } from "./sql_client.ts";

/** Width of a stats bucket: one row per node per minute. */
export const NODE_STATS_BUCKET_SECONDS = 60;
/** Buckets kept (an hour); older rows are deleted by every write. */
export const NODE_STATS_BUCKETS = 60;
/** Distinct nodes with rows within the retained hour; a new name past it is not written. */
export const MAX_NODE_STATS_NODES = 256;
/** A node name: a host name, optionally `:port`, or an operator's label. */
export const NODE_NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;
/** Longest version string kept (as the heartbeat's, brief §4.3). */
export const MAX_NODE_VERSION_LENGTH = 32;

/** Cumulative counters of one node since it started. */
export interface NodeStatsCounters {
  /** NOERROR answers with data (NODATA excluded) */
  noerror: number;
  /** NOERROR, authoritative, no answer records (RFC 2308 §2.2) */
  nodata: number;
  nxdomain: number;
  refused: number;
  servfail: number;
  /** every other rcode (FORMERR, NOTIMP, BADVERS, NOTAUTH, YXDOMAIN, …) */
  other: number;
  /** messages never answered: rate limited per source, overloaded, malformed */
  dropped: number;
  /** UDP answers held back by response rate limiting (dropped or slipped; also counted by rcode) */
  rrl: number;
  /** UPDATEs answered NOERROR */
  updatesOk: number;
  /** UPDATEs answered anything else */
  updatesRefused: number;
  /** zone transfers sent (AXFR, IXFR, SOA-only) */
  transfers: number;
}

/** The counter fields, in column order (one source for the writer, reader and summary). */
export const NODE_STATS_COUNTERS: readonly (keyof NodeStatsCounters)[] = [
  "noerror",
  "nodata",
  "nxdomain",
  "refused",
  "servfail",
  "other",
  "dropped",
  "rrl",
  "updatesOk",
  "updatesRefused",
  "transfers",
];

/** Every counter at zero (a node's first row; tests build samples from it). */
export const ZERO_NODE_STATS_COUNTERS: Readonly<NodeStatsCounters> = Object.freeze(
  Object.fromEntries(NODE_STATS_COUNTERS.map((k) => [k, 0])) as unknown as NodeStatsCounters,
);

const COLUMN: Record<keyof NodeStatsCounters, string> = {
  noerror: "q_noerror",
  nodata: "q_nodata",
  nxdomain: "q_nxdomain",
  refused: "q_refused",
  servfail: "q_servfail",
  other: "q_other",
  dropped: "q_dropped",
  rrl: "q_rrl",
  updatesOk: "updates_ok",
  updatesRefused: "updates_refused",
  transfers: "transfers",
};

/** One node's state at one moment. */
export interface NodeStatsSample {
  node: string;
  version: string;
  /** when the sample was taken (unix seconds) */
  at: number;
  /** when the node started (unix seconds): the counters count from here */
  startedAt: number;
  /** the node's DMP_NODE_STATS_INTERVAL, so readers can judge freshness */
  intervalSeconds: number;
  counters: NodeStatsCounters;
  /** the change-journal sequence the node's index has applied */
  journalSeq: number;
  /** the last successful sync (replica pull + journal catch-up), null before the first */
  lastSyncAt: number | null;
}

/** A stored sample with its bucket. */
export interface NodeStatsRow extends NodeStatsSample {
  bucket: number;
}

/**
 * Why a sample cannot be written, or null when it can.
 *
 * @param s the sample
 * @returns `<field>: <reason>` or null
 *
 * @example
 * ```ts
 * import { nodeStatsSampleError } from "./node_stats.ts";
 * const counters = { noerror: 0, nodata: 0, nxdomain: 0, refused: 0, servfail: 0, other: 0,
 *   dropped: 0, rrl: 0, updatesOk: 0, updatesRefused: 0, transfers: 0 };
 * const s = { node: "ns1:53", version: "v", at: 100, startedAt: 90, intervalSeconds: 5,
 *   counters, journalSeq: 0, lastSyncAt: null };
 * if (nodeStatsSampleError(s) !== null) throw new Error();
 * if (nodeStatsSampleError({ ...s, node: "a b" }) === null) throw new Error();
 * ```
 */
export function nodeStatsSampleError(s: NodeStatsSample): string | null {
  if (typeof s.node !== "string" || !NODE_NAME_PATTERN.test(s.node)) {
    return "node: expected 1-64 letters, digits and . _ : @ -, starting with a letter or digit";
  }
  if (typeof s.version !== "string" || s.version.length > MAX_NODE_VERSION_LENGTH) {
    return `version: expected at most ${MAX_NODE_VERSION_LENGTH} characters`;
  }
  if (!finiteTime(s.at)) return "at: expected a unix time";
  if (!finiteTime(s.startedAt) || s.startedAt > s.at) {
    return "startedAt: expected a unix time not after at";
  }
  if (!(s.intervalSeconds > 0 && s.intervalSeconds <= 86400)) {
    return "intervalSeconds: expected 0 < seconds <= 86400";
  }
  for (const k of NODE_STATS_COUNTERS) {
    if (!count(s.counters?.[k])) return `counters.${k}: expected a non-negative safe integer`;
  }
  if (!count(s.journalSeq)) return "journalSeq: expected a non-negative safe integer";
  if (s.lastSyncAt !== null && !finiteTime(s.lastSyncAt)) {
    return "lastSyncAt: expected a unix time or null";
  }
  return null;
}

function finiteTime(t: number): boolean {
  return typeof t === "number" && Number.isFinite(t) && t >= 0 && t < 1e11;
}

function count(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** The minute bucket a time falls in. */
export function nodeStatsBucket(at: number): number {
  return Math.floor(at / NODE_STATS_BUCKET_SECONDS);
}

/**
 * Writes a sample in one transaction: deletes every row older than the
 * retained hour (by the primary's clock, and the node's own rows by the
 * sample's time too), then upserts the node's row of the current minute unless
 * {@linkcode MAX_NODE_STATS_NODES} other nodes already have rows. Throws
 * RangeError (writing nothing) for a sample {@linkcode nodeStatsSampleError}
 * refuses.
 *
 * @param client the primary (a replica refuses writes: the caller logs it)
 * @param s the sample
 * @returns whether the row was written (false: too many nodes)
 *
 * @example
 * ```ts ignore
 * await writeNodeStats(storage.writer, sample);
 * ```
 */
export async function writeNodeStats(client: SqlClient, s: NodeStatsSample): Promise<boolean> {
  const error = nodeStatsSampleError(s);
  if (error !== null) throw new RangeError(`Cannot write node stats: ${error}`);
  const bucket = nodeStatsBucket(s.at);
  const columns = NODE_STATS_COUNTERS.map((k) => COLUMN[k]);
  const all = [
    "node",
    "bucket",
    "at",
    "started_at",
    "interval_s",
    "version",
    ...columns,
    "journal_seq",
    "last_sync_at",
  ];
  const [, , upsert] = await client.batch([
    {
      // Everyone's rows older than the hour, by the primary's clock: a node whose clock runs
      // ahead must not delete the other nodes' rows.
      sql: `DELETE FROM node_stats
            WHERE bucket <= CAST(strftime('%s', 'now') AS INTEGER) / ? - ?`,
      args: [NODE_STATS_BUCKET_SECONDS, NODE_STATS_BUCKETS + 1],
    },
    {
      // The node's own rows older than its hour, by its clock: a node whose clock runs ahead
      // still keeps at most NODE_STATS_BUCKETS + 1 rows.
      sql: "DELETE FROM node_stats WHERE node = ? AND bucket <= ?",
      args: [s.node, bucket - NODE_STATS_BUCKETS - 1],
    },
    {
      // INSERT … SELECT … WHERE: the node cap is decided inside the write transaction.
      sql: `INSERT INTO node_stats (${all.join(", ")})
            SELECT ${all.map(() => "?").join(", ")}
            WHERE EXISTS (SELECT 1 FROM node_stats WHERE node = ?)
               OR (SELECT COUNT(DISTINCT node) FROM node_stats) < ?
            ON CONFLICT (node, bucket) DO UPDATE SET
            ${all.slice(2).map((c) => `${c} = excluded.${c}`).join(", ")}`,
      args: [
        s.node,
        bucket,
        s.at,
        Math.floor(s.startedAt),
        s.intervalSeconds,
        s.version,
        ...NODE_STATS_COUNTERS.map((k) => s.counters[k]),
        s.journalSeq,
        s.lastSyncAt,
        s.node,
        MAX_NODE_STATS_NODES,
      ],
    },
  ], "write");
  return upsert.rowsAffected > 0;
}

/**
 * Every row of the retained hour, by node then bucket (at most
 * {@linkcode MAX_NODE_STATS_NODES} × (buckets + 1) rows).
 *
 * @param client the store
 * @param now unix seconds
 * @returns the rows
 *
 * @example
 * ```ts ignore
 * const rows = await readNodeStats(client, Date.now() / 1000);
 * ```
 */
export async function readNodeStats(client: SqlClient, now: number): Promise<NodeStatsRow[]> {
  const ints = [
    "bucket",
    "started_at",
    ...NODE_STATS_COUNTERS.map((k) => COLUMN[k]),
    "journal_seq",
  ];
  const r = await client.execute({
    sql: `SELECT node, version, at, interval_s, last_sync_at, ${
      ints.map((c) => safeIntegerColumn(c)).join(", ")
    } FROM node_stats WHERE bucket >= ? ORDER BY node, bucket LIMIT ?`,
    args: [
      nodeStatsBucket(now) - NODE_STATS_BUCKETS,
      MAX_NODE_STATS_NODES * (NODE_STATS_BUCKETS + 1),
    ],
  });
  const rows: NodeStatsRow[] = [];
  for (let i = 0; i < r.rows.length; i++) {
    const row = r.rows[i];
    const counters = {} as NodeStatsCounters;
    for (const k of NODE_STATS_COUNTERS) counters[k] = Number(row[COLUMN[k]]);
    rows.push({
      node: String(row.node),
      version: String(row.version),
      bucket: Number(row.bucket),
      at: Number(row.at),
      startedAt: Number(row.started_at),
      intervalSeconds: Number(row.interval_s),
      counters,
      journalSeq: Number(row.journal_seq),
      lastSyncAt: row.last_sync_at === null ? null : Number(row.last_sync_at),
    });
  }
  return rows;
}
