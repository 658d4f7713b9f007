/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The overview (issue 14): per node, from the stats row each node writes
 * every `DMP_NODE_STATS_INTERVAL` seconds, its query rate by outcome,
 * UPDATE rate, journal position and lag, last sync, version and freshness,
 * with sparklines of the last hour; the store's figures (read time, zones,
 * live records, journal head, live tokens and keys, nodes heard); and this
 * edge's own request rates by route class. The node and edge figures are
 * those of `GET /v1/admin/stats/nodes` and `/v1/admin/stats/edge`.
 *
 * No script: the page is current when loaded; a link reloads it, and
 * `?refresh=N` (one of {@linkcode REFRESH_CHOICES}) adds a meta refresh.
 *
 * @module
 */

import { queryTotal } from "../../../../packages/core/metrics/node_stats_summary.ts";
import type { NodeSummary } from "../../../../packages/core/metrics/node_stats_summary.ts";
import type { EdgeStats, NodesStats } from "../admin/stats.ts";
import { renderPage, timeText } from "./layout.tsx";
import { fixed, Sparkline } from "./sparkline.tsx";

/** Auto-refresh periods offered (seconds); anything else in `?refresh=` is ignored. */
export const REFRESH_CHOICES: readonly number[] = [5, 10, 30, 60];

/** The store figures the overview shows. */
export interface OverviewFigures {
  storeReadMs: number;
  zones: number;
  liveRecords: number;
  journalHead: number;
  liveTokens: number;
  liveTsigKeys: number;
  nodesFresh: number;
  nodesHeard: number;
}

/** Seconds as a short age: `4 s`, `3 min`, `2 h`. */
function age(s: number | null): string {
  if (s === null) return "never";
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

function NodeCard(props: { n: NodeSummary; i: number }) {
  const n = props.n;
  // Ids from a counter: a node name is text, not something to put in an id.
  const id = `node-${props.i}`;
  const r = n.rates;
  const rate = (v: number | undefined) => (v === undefined ? "-" : fixed(v));
  const outcomes: [string, number | undefined][] = [
    ["NOERROR", r?.noerror],
    ["NODATA", r?.nodata],
    ["NXDOMAIN", r?.nxdomain],
    ["REFUSED", r?.refused],
    ["SERVFAIL", r?.servfail],
    ["other", r?.other],
    ["dropped", r?.dropped],
    ["RRL", r?.rrl],
  ];
  return (
    <section class="node" data-node={n.node} aria-labelledby={id}>
      <h3 id={id}>
        {n.node} <span class={n.fresh ? "fresh" : "stale"}>{n.fresh ? "fresh" : "stale"}</span>
      </h3>
      <dl class="figures">
        <dt>Queries/s</dt>
        <dd data-figure="qps">{rate(r?.queries)}</dd>
        <dt>Total queries</dt>
        <dd data-figure="queries-total">{String(queryTotal(n.totals))}</dd>
        <dt>UPDATEs/s ok / refused</dt>
        <dd data-figure="updates">{rate(r?.updatesOk)} / {rate(r?.updatesRefused)}</dd>
        <dt>Transfers</dt>
        <dd>{String(n.totals.transfers)}</dd>
        <dt>Journal</dt>
        <dd data-figure="journal">{String(n.journalSeq)} ({String(n.journalLag)} behind)</dd>
        <dt>Last sync</dt>
        <dd data-figure="sync">{age(n.syncAgeSeconds)}</dd>
        <dt>Row written</dt>
        <dd data-figure="age">{age(n.ageSeconds)} (every {fixed(n.intervalSeconds)} s)</dd>
        <dt>Version</dt>
        <dd>{n.version || "-"}</dd>
        <dt>Started</dt>
        <dd>{timeText(n.startedAt)}</dd>
      </dl>
      <ul class="outcomes" aria-label="Queries per second by outcome">
        {outcomes.map(([label, v]) => <li key={label} data-outcome={label}>{label} {rate(v)}</li>)}
      </ul>
      <p class="sparks">
        <span>Queries/s, last hour</span>
        <Sparkline values={n.history.queries} label="Queries per second" unit="q/s" />
        <span>UPDATEs/s, last hour</span>
        <Sparkline values={n.history.updates} label="UPDATEs per second" unit="/s" />
      </p>
    </section>
  );
}

/**
 * Renders the overview.
 *
 * @param props the store figures, the node and edge figures, the CSRF token and the refresh period
 * @returns the HTML document
 */
export function renderOverviewPage(
  props: {
    figures: OverviewFigures;
    nodes: NodesStats;
    edge: EdgeStats;
    csrf: string;
    refresh?: number;
  },
): string {
  const f = props.figures;
  const rows: [string, string, string][] = [
    ["store", "Store read", `${f.storeReadMs} ms`],
    ["zones", "Zones", String(f.zones)],
    ["records", "Live records", String(f.liveRecords)],
    ["journal", "Journal head (nodes follow it)", String(f.journalHead)],
    ["tokens", "Live user tokens", String(f.liveTokens)],
    ["tsig", "Live TSIG keys", String(f.liveTsigKeys)],
    [
      "nodes",
      "Nodes heard within the hour / in the directory",
      `${f.nodesFresh} / ${f.nodesHeard}`,
    ],
  ];
  const nodes = props.nodes.nodes;
  return renderPage({
    title: "Overview",
    view: "overview",
    csrf: props.csrf,
    refreshSeconds: props.refresh,
    children: (
      <>
        <p class="refresh">
          As of {timeText(Math.floor(props.nodes.now))}. <a href="/admin/overview">Reload</a>
          {" · "}
          {props.refresh
            ? <a href="/admin/overview">Stop reloading every {String(props.refresh)} s</a>
            : <a href="/admin/overview?refresh=10">Reload every 10 s</a>}
        </p>
        <h2>Nodes</h2>
        <p class="muted">
          Rates: from each node's newest stats row and its last row of the minute before.
          Sparklines: one point a minute over the last hour.
        </p>
        {nodes.length === 0
          ? (
            <p class="muted" id="no-node-stats">
              No node has written a stats row within the hour (DMP_NODE_STATS_INTERVAL, default 5
              s).
            </p>
          )
          : (
            <div class="nodes">
              {nodes.map((n, i) => <NodeCard key={n.node} n={n} i={i} />)}
            </div>
          )}
        <h2>Store</h2>
        <table id="overview">
          <tbody>
            {rows.map(([id, label, value]) => (
              <tr data-figure={id}>
                <th scope="row">{label}</th>
                <td>{value}</td>
              </tr>
            ))}
            <tr data-figure="stats-read">
              <th scope="row">Stats read</th>
              <td>{`${fixed(props.nodes.store.readMs)} ms`}</td>
            </tr>
          </tbody>
        </table>
        <h2>This edge's requests</h2>
        <p class="muted" id="edge-scope">
          {props.edge.scope === "isolate"
            ? "Counted by this Workers isolate (one of many) since it started"
            : "Counted by this edge process since it started"} ({timeText(
              Math.floor(props.edge.since),
            )}).
        </p>
        <div class="scroll">
          <table id="edge-requests">
            <thead>
              <tr>
                <th scope="col">Route class</th>
                <th scope="col">Total</th>
                <th scope="col">/s (last minute)</th>
                <th scope="col">Per minute, last hour</th>
              </tr>
            </thead>
            <tbody>
              {props.edge.classes.map((c) => (
                <tr data-class={c.name}>
                  <th scope="row">{c.name}</th>
                  <td>{String(c.total)}</td>
                  <td>{fixed(c.perSecond)}</td>
                  <td>
                    <Sparkline
                      values={c.perMinute}
                      label={`${c.name} requests per minute`}
                      unit="/min"
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </>
    ),
  });
}
