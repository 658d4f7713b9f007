/**
 * The overview's arithmetic (issue 14): per-node rates from the deltas of
 * cumulative counters between two stats rows, an hour of per-minute rates
 * for the sparklines, freshness and replica lag. Pure functions over the
 * rows `store/node_stats.ts` reads, so the API and the dashboard show the
 * same numbers.
 *
 * A node that restarted has counters that start again from zero: a row
 * whose `startedAt` differs from the previous row's is measured from its own
 * start (zero at `startedAt`), never as a negative delta.
 *
 * This module is browser compatible.
 * @module
 */

import {
  NODE_STATS_BUCKET_SECONDS,
  NODE_STATS_BUCKETS,
  NODE_STATS_COUNTERS,
  nodeStatsBucket,
  type NodeStatsCounters,
  type NodeStatsRow,
  type NodeStatsSample,
} from "../store/node_stats.ts";

/** Per-second rates of every counter, plus `queries`: every DNS message (all outcomes). */
export type NodeRates = NodeStatsCounters & { queries: number };

/** What the overview shows of one node. */
export interface NodeSummary {
  node: string;
  version: string;
  /** when its newest row was written */
  at: number;
  ageSeconds: number;
  /** written within three of its intervals (at least 15 s) */
  fresh: boolean;
  startedAt: number;
  intervalSeconds: number;
  /** cumulative counters since `startedAt` */
  totals: NodeStatsCounters;
  /** rates between its two newest rows (or since its start), null when no time passed */
  rates: NodeRates | null;
  journalSeq: number;
  /** journal entries the node's index is behind the primary's head (when the row was written) */
  journalLag: number;
  lastSyncAt: number | null;
  /** seconds since the last successful sync, null before the first */
  syncAgeSeconds: number | null;
  /** one point per minute of the last hour, oldest first; null where no rate is known */
  history: { queries: (number | null)[]; updates: (number | null)[] };
}

/** Messages counted in `queries`: every outcome (RRL-held answers are already counted by rcode). */
const QUERY_FIELDS: readonly (keyof NodeStatsCounters)[] = [
  "noerror",
  "nodata",
  "nxdomain",
  "refused",
  "servfail",
  "other",
  "dropped",
];

/**
 * Rates between two samples of one node: `(cur − prev) / (cur.at − prev.at)`
 * for each counter. With no previous sample, or one from before a restart,
 * the baseline is zero at `cur.startedAt`. Null when no time passed.
 *
 * @param prev the earlier sample, if any
 * @param cur the later sample
 * @returns per-second rates, or null
 *
 * @example
 * ```ts
 * import { counterRates } from "./node_stats_summary.ts";
 * const zero = { noerror: 0, nodata: 0, nxdomain: 0, refused: 0, servfail: 0, other: 0,
 *   dropped: 0, rrl: 0, updatesOk: 0, updatesRefused: 0, transfers: 0 };
 * const a = { node: "n", version: "", at: 100, startedAt: 0, intervalSeconds: 5,
 *   counters: zero, journalSeq: 0, lastSyncAt: null };
 * const b = { ...a, at: 110, counters: { ...zero, noerror: 50 } };
 * if (counterRates(a, b)?.noerror !== 5) throw new Error();
 * ```
 */
export function counterRates(
  prev: NodeStatsSample | undefined,
  cur: NodeStatsSample,
): NodeRates | null {
  const restarted = prev === undefined || prev.startedAt !== cur.startedAt || prev.at >= cur.at;
  const since = restarted ? cur.startedAt : prev.at;
  const dt = cur.at - since;
  if (!(dt > 0)) return null;
  const rates = { queries: 0 } as NodeRates;
  for (const k of NODE_STATS_COUNTERS) {
    const base = restarted ? 0 : prev.counters[k];
    // A counter that went down without a restart marker (a hand-edited row) counts as 0.
    rates[k] = Math.max(0, cur.counters[k] - base) / dt;
  }
  rates.queries = queryTotal(rates);
  return rates;
}

/**
 * Every DNS message among the counters: all outcomes (UPDATE messages
 * included, by their rcode), not the RRL-held answers (already counted by
 * rcode).
 *
 * @param c counters (or rates)
 * @returns their sum over the outcome fields
 */
export function queryTotal(c: NodeStatsCounters): number {
  let n = 0;
  for (const k of QUERY_FIELDS) n += c[k];
  return n;
}

/**
 * Summarizes the rows of the retained hour: one entry per node, in the
 * order the rows come in (by node name).
 *
 * @param rows rows sorted by node, then bucket (as `readNodeStats` returns them)
 * @param at the time now and the primary's journal head
 * @returns one summary per node
 *
 * @example
 * ```ts ignore
 * const nodes = summarizeNodeStats(await readNodeStats(client, now), { now, journalHead });
 * ```
 */
export function summarizeNodeStats(
  rows: readonly NodeStatsRow[],
  at: { now: number; journalHead: number },
): NodeSummary[] {
  const byNode = new Map<string, NodeStatsRow[]>();
  for (const r of rows) {
    let list = byNode.get(r.node);
    if (!list) byNode.set(r.node, list = []);
    list.push(r);
  }
  const first = nodeStatsBucket(at.now) - NODE_STATS_BUCKETS + 1;
  const out: NodeSummary[] = [];
  for (const [node, list] of byNode) {
    list.sort((a, b) => a.bucket - b.bucket);
    const last = list[list.length - 1];
    const queries: (number | null)[] = new Array(NODE_STATS_BUCKETS).fill(null);
    const updates: (number | null)[] = new Array(NODE_STATS_BUCKETS).fill(null);
    for (let i = 0; i < list.length; i++) {
      const slot = list[i].bucket - first;
      if (slot < 0 || slot >= NODE_STATS_BUCKETS) continue;
      const prev = list[i - 1];
      const cur = list[i];
      // Without a previous row of the same run, the rate is the average since the start:
      // a fair point for this minute only when the start was about a minute ago.
      const fromStart = prev === undefined || prev.startedAt !== cur.startedAt;
      if (fromStart && cur.at - cur.startedAt > 2 * NODE_STATS_BUCKET_SECONDS) continue;
      const r = counterRates(prev, cur);
      if (!r) continue;
      queries[slot] = r.queries;
      updates[slot] = r.updatesOk + r.updatesRefused;
    }
    const ageSeconds = Math.max(0, at.now - last.at);
    out.push({
      node,
      version: last.version,
      at: last.at,
      ageSeconds,
      fresh: ageSeconds <= Math.max(3 * last.intervalSeconds, 15),
      startedAt: last.startedAt,
      intervalSeconds: last.intervalSeconds,
      totals: { ...last.counters },
      rates: counterRates(list[list.length - 2], last),
      journalSeq: last.journalSeq,
      journalLag: Math.max(0, at.journalHead - last.journalSeq),
      lastSyncAt: last.lastSyncAt,
      syncAgeSeconds: last.lastSyncAt === null ? null : Math.max(0, at.now - last.lastSyncAt),
      history: { queries, updates },
    });
  }
  return out;
}

/** The start (unix seconds) of each history slot, oldest first. */
export function historyBucketStarts(now: number): number[] {
  const first = nodeStatsBucket(now) - NODE_STATS_BUCKETS + 1;
  return Array.from(
    { length: NODE_STATS_BUCKETS },
    (_, i) => (first + i) * NODE_STATS_BUCKET_SECONDS,
  );
}
