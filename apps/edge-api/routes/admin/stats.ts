/**
 * Operator routes for the deployment's figures (issue 14, the overview),
 * registered on the admin app so its operator-token check and audit row
 * apply:
 *
 * | route | what |
 * | --- | --- |
 * | `GET /v1/admin/stats/nodes` | per node, from the stats rows nodes write (`store/node_stats.ts`): version, freshness, cumulative counters, rates by outcome (`/s`, from the two newest rows), journal position and lag behind the primary's head, last sync, an hour of per-minute query and UPDATE rates; plus the store's read time and journal head |
 * | `GET /v1/admin/stats/edge` | this edge's request rates by route class: total, per second over the last minute, per minute over the hour |
 *
 * The edge's figures are kept in memory by the process answering: on Node
 * and Deno that is the edge; on Workers it is one isolate (Cloudflare runs
 * many), so they are that isolate's share since it started (`scope`).
 * The dashboard's overview reads the same two functions.
 *
 * @module
 */

import type { Hono } from "hono";
import {
  historyBucketStarts,
  type NodeRates,
  type NodeSummary,
  summarizeNodeStats,
} from "../../../../packages/core/metrics/node_stats_summary.ts";
import type { RouteClassRates } from "../../../../packages/core/metrics/request_rates.ts";
import {
  NODE_STATS_BUCKET_SECONDS,
  NODE_STATS_COUNTERS,
  type NodeStatsCounters,
  readNodeStats,
} from "../../../../packages/core/store/node_stats.ts";
import { readJournalHead } from "../../../../packages/core/store/records.ts";
import type { ResolvedDeps } from "../../app_deps.ts";

/** What the nodes route answers and the overview shows. */
export interface NodesStats {
  now: number;
  /** how long the stats read took, and the journal head every node follows */
  store: { readMs: number; journalHead: number };
  /** the start of each history point (unix seconds), oldest first */
  historyStarts: number[];
  nodes: NodeSummary[];
}

/** What the edge route answers. */
export interface EdgeStats {
  now: number;
  since: number;
  scope: "process" | "isolate";
  classes: RouteClassRates[];
}

/**
 * Reads and summarizes the stats rows of the last hour.
 *
 * @param deps the app dependencies
 * @returns the per-node figures
 */
export async function readNodesStats(deps: ResolvedDeps): Promise<NodesStats> {
  const now = deps.clock() / 1000;
  const t0 = deps.clock();
  const [rows, journalHead] = await Promise.all([
    readNodeStats(deps.client, now),
    readJournalHead(deps.client),
  ]);
  const readMs = deps.clock() - t0;
  return {
    now,
    store: { readMs, journalHead },
    historyStarts: historyBucketStarts(now),
    nodes: summarizeNodeStats(rows, { now, journalHead }),
  };
}

/**
 * The edge's request rates now.
 *
 * @param deps the app dependencies
 * @returns the figures by route class
 */
export function readEdgeStats(deps: ResolvedDeps): EdgeStats {
  const now = deps.clock() / 1000;
  return {
    now,
    since: deps.requestRates.since,
    // workerd says who it is in navigator.userAgent; an isolate is not the whole edge there.
    scope: (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ===
        "Cloudflare-Workers"
      ? "isolate"
      : "process",
    classes: deps.requestRates.snapshot(now),
  };
}

/** `updatesOk` → `updates_ok`: the API's JSON is snake_case. */
function snake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

function counterJson(c: NodeStatsCounters | NodeRates): Record<string, number> {
  const out: Record<string, number> = {};
  if ("queries" in c) out.queries = round(c.queries);
  for (const k of NODE_STATS_COUNTERS) out[snake(k)] = round(c[k]);
  return out;
}

/** Rates to three decimals: enough for 0.001 q/s, short enough to read. */
function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function roundOrNull(n: number | null): number | null {
  return n === null ? null : round(n);
}

/**
 * The nodes figures as the API's JSON.
 *
 * @param s the figures
 * @returns a plain object for `c.json`
 */
export function nodesStatsJson(s: NodesStats): Record<string, unknown> {
  return {
    now: round(s.now),
    store: { read_ms: round(s.store.readMs), journal_head: s.store.journalHead },
    bucket_seconds: NODE_STATS_BUCKET_SECONDS,
    history_starts: s.historyStarts,
    nodes: s.nodes.map((n) => ({
      node: n.node,
      version: n.version,
      written_at: round(n.at),
      age_seconds: round(n.ageSeconds),
      fresh: n.fresh,
      started_at: n.startedAt,
      interval_seconds: n.intervalSeconds,
      totals: counterJson(n.totals),
      rates_per_second: n.rates ? counterJson(n.rates) : null,
      journal_seq: n.journalSeq,
      journal_lag: n.journalLag,
      last_sync_at: n.lastSyncAt === null ? null : round(n.lastSyncAt),
      sync_age_seconds: roundOrNull(n.syncAgeSeconds),
      history: {
        queries_per_second: n.history.queries.map(roundOrNull),
        updates_per_second: n.history.updates.map(roundOrNull),
      },
    })),
  };
}

/** Registers the stats routes on the admin app. */
export function mountStatsRoutes(app: Hono, deps: ResolvedDeps): void {
  app.get("/v1/admin/stats/nodes", async (c) => c.json(nodesStatsJson(await readNodesStats(deps))));

  app.get("/v1/admin/stats/edge", (c) => {
    const s = readEdgeStats(deps);
    return c.json({
      now: round(s.now),
      since: round(s.since),
      scope: s.scope,
      classes: s.classes.map((r) => ({
        class: r.name,
        total: r.total,
        per_second: round(r.perSecond),
        per_minute: r.perMinute,
      })),
    });
  });
}
