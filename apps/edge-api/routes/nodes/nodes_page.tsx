/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The `/nodes` directory page (brief §4.6, issue 6), server-rendered with
 * Hono's JSX: a table of the nodes the directory has heard (endpoint,
 * operator key `first8…last4`, version, zone, capabilities, last heard with
 * `fresh` under one hour else `stale`, sources), a filter box, and a small
 * SVG graph of who has seen whom. No external assets: the style and the
 * filter script are inline, allowed by hash in the page's CSP.
 *
 * @module
 */

import type {
  HeartbeatSeenRow,
  SeenEdge,
} from "../../../../packages/core/store/heartbeats_seen.ts";
import { CAP_CLAIM_PROVIDER } from "../../../../packages/core/dmp/heartbeat_record.ts";

/** A wire heard less than this long ago is "fresh" (brief §4.6). */
export const FRESH_SECONDS = 3600;
const GRAPH_SIZE = 360;
const GRAPH_MAX_NODES = 48;

/** The page's stylesheet (hashed into the CSP). */
export const PAGE_STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f23;background:#fff}
h1{font-size:1.4rem;margin:0 0 .25rem}
p.meta{margin:.25rem 0 1rem;color:#555}
.layout{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
table{border-collapse:collapse;min-width:40rem}
th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{background:#f4f5f7}
code{font-size:.9em}
.fresh{color:#116329}
.stale{color:#9a6700}
.none{color:#777}
input#filter{font:inherit;padding:.3rem .5rem;width:22rem;margin-bottom:.6rem}
svg{border:1px solid #ddd;background:#fafbfc}
svg line{stroke:#8c959f;stroke-width:1.2}
svg circle{fill:#0969da}
svg text{font-size:10px;fill:#1b1f23}
`;

/** The filter script (hashed into the CSP): hides rows whose text lacks the query. */
export const FILTER_SCRIPT = `
(function () {
  var box = document.getElementById("filter");
  var rows = document.querySelectorAll("#nodes tbody tr");
  var shown = document.getElementById("shown");
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (tr) {
      var hit = q === "" || tr.getAttribute("data-search").indexOf(q) >= 0;
      tr.hidden = !hit;
      if (hit) n++;
    });
    shown.textContent = String(n);
  });
})();
`;

/**
 * `first8…last4` of a hex key (brief §4.6).
 *
 * @param hex the key
 * @returns the short form
 */
export function shortKey(hex: string): string {
  return hex.length > 12 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex;
}

/**
 * `Ns/Nm/Nh/Nd ago` (brief §4.6).
 *
 * @param seconds age in seconds
 * @returns the text
 */
export function ageText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

function capabilitiesText(caps: number): string {
  const names: string[] = [];
  if (caps & CAP_CLAIM_PROVIDER) names.push("claim-provider");
  const unknown = caps & ~CAP_CLAIM_PROVIDER;
  if (unknown) names.push(`0x${unknown.toString(16)}`);
  return names.join(", ");
}

function NodeTableRow(props: { row: HeartbeatSeenRow; now: number }) {
  const r = props.row;
  const age = props.now - r.ts;
  const caps = capabilitiesText(r.capabilities);
  const sources = r.viaZones.length ? r.viaZones.join(", ") : "direct";
  const search = [r.endpoint, r.operatorSpkHex, r.version, r.claimProviderZone, caps, sources]
    .join(" ").toLowerCase();
  return (
    <tr data-spk={r.operatorSpkHex} data-search={search}>
      <td>
        <a href={r.endpoint} rel="nofollow noopener">{r.endpoint}</a>
      </td>
      <td>
        <code title={r.operatorSpkHex}>{shortKey(r.operatorSpkHex)}</code>
      </td>
      <td>{r.version || "-"}</td>
      <td>{r.claimProviderZone || "-"}</td>
      <td>{caps || <span class="none">none</span>}</td>
      <td class={age < FRESH_SECONDS ? "fresh" : "stale"} title={String(r.ts)}>
        {ageText(age)}
      </td>
      <td title={sources}>{r.viaZones.length ? String(r.viaZones.length) : "direct"}</td>
    </tr>
  );
}

/**
 * Who has seen whom: operators on a circle, one line per seen edge, an arrow
 * head pointing at the operator whose wire was republished.
 */
function SeenGraph(props: { rows: HeartbeatSeenRow[]; edges: SeenEdge[] }) {
  const keys: string[] = [];
  const label = new Map<string, string>();
  for (const r of props.rows) {
    if (!keys.includes(r.operatorSpkHex) && keys.length < GRAPH_MAX_NODES) {
      keys.push(r.operatorSpkHex);
      label.set(r.operatorSpkHex, r.claimProviderZone || shortKey(r.operatorSpkHex));
    }
  }
  const pos = new Map<string, { x: number; y: number }>();
  const c = GRAPH_SIZE / 2;
  const radius = c - 50;
  keys.forEach((k, i) => {
    const a = (2 * Math.PI * i) / Math.max(1, keys.length) - Math.PI / 2;
    pos.set(k, { x: c + radius * Math.cos(a), y: c + radius * Math.sin(a) });
  });
  const lines = props.edges.filter((e) => pos.has(e.fromSpk) && pos.has(e.toSpk));
  const round = (n: number) => Math.round(n * 10) / 10;
  return (
    <svg
      id="graph"
      role="img"
      aria-label={`seen graph: ${keys.length} operators, ${lines.length} edges`}
      width={GRAPH_SIZE}
      height={GRAPH_SIZE}
      viewBox={`0 0 ${GRAPH_SIZE} ${GRAPH_SIZE}`}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="17"
          refY="5"
          markerWidth="6"
          markerHeight="6"
          orient="auto-start-reverse"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#8c959f" />
        </marker>
      </defs>
      {lines.map((e) => {
        const a = pos.get(e.fromSpk)!;
        const b = pos.get(e.toSpk)!;
        return (
          <line
            key={`${e.fromSpk}|${e.toSpk}`}
            class="edge"
            data-from={e.fromSpk}
            data-to={e.toSpk}
            x1={round(a.x)}
            y1={round(a.y)}
            x2={round(b.x)}
            y2={round(b.y)}
            marker-end="url(#arrow)"
          />
        );
      })}
      {keys.map((k) => {
        const p = pos.get(k)!;
        return (
          <g key={k} class="node" data-spk={k}>
            <title>{k}</title>
            <circle cx={round(p.x)} cy={round(p.y)} r="7" />
            <text x={round(p.x)} y={round(p.y + 20)} text-anchor="middle">{label.get(k)}</text>
          </g>
        );
      })}
    </svg>
  );
}

/** What the page shows. */
export interface NodesPageProps {
  rows: HeartbeatSeenRow[];
  edges: SeenEdge[];
  /** unix seconds */
  now: number;
}

function NodesPage(props: NodesPageProps) {
  const recent = props.rows.filter((r) => props.now - r.ts <= 72 * 3600).length;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>DMP node directory</title>
        <style dangerouslySetInnerHTML={{ __html: PAGE_STYLE }} />
      </head>
      <body>
        <h1>DMP node directory</h1>
        <p class="meta">
          {props.rows.length} nodes, {recent} heard in the last 72h. Machine-readable:{" "}
          <a href="/v1/directory/feed.json">feed.json</a>,{" "}
          <a href="/v1/nodes/seen">/v1/nodes/seen</a>. Every wire here verified (Ed25519) when it
          was stored; re-verify before trusting one.
        </p>
        <div class="layout">
          <div>
            <input
              id="filter"
              type="search"
              placeholder="Filter by endpoint, key, version, zone…"
              aria-label="Filter nodes"
              autocomplete="off"
            />{" "}
            <span>
              <span id="shown">{props.rows.length}</span> shown
            </span>
            <table id="nodes">
              <thead>
                <tr>
                  <th>Endpoint</th>
                  <th>Operator key</th>
                  <th>Version</th>
                  <th>Zone</th>
                  <th>Capabilities</th>
                  <th>Last heard</th>
                  <th>Sources</th>
                </tr>
              </thead>
              <tbody>
                {props.rows.map((row) => (
                  <NodeTableRow
                    key={`${row.operatorSpkHex}|${row.endpoint}`}
                    row={row}
                    now={props.now}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <figure>
            <SeenGraph rows={props.rows} edges={props.edges} />
            <figcaption>Who has seen whom (arrow: A republished B's heartbeat)</figcaption>
          </figure>
        </div>
        <script dangerouslySetInnerHTML={{ __html: FILTER_SCRIPT }} />
      </body>
    </html>
  );
}

/**
 * Renders the whole page.
 *
 * @param props rows (newest first), edges and the time
 * @returns the HTML document
 */
export function renderNodesPage(props: NodesPageProps): string {
  return "<!DOCTYPE html>" + String(<NodesPage {...props} />);
}
