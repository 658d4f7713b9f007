/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The query log (issue 14): each node's recent sampled queries, newest
 * first: time, node, name, type, outcome, rcode, latency, transport and the
 * client's network (/24 or /48; nodes never store an address). Server
 * rendered, with a node filter (a GET form), a refresh link and an "Older"
 * link, so it works without JavaScript; on the newest page the script
 * (`query_log_script.ts`) streams new rows in and offers pause/resume.
 * Every text cell goes through JSX escaping.
 *
 * @module
 */

import type { QueryLogRow } from "../../../../packages/core/store/query_log.ts";
import { rcodeName, typeName } from "../../../../packages/core/wire/constants.ts";
import { renderPage } from "./layout.tsx";

/** Rows per page. */
export const QUERY_LOG_PAGE_SIZE = 100;

/** The script's path (served by the dashboard routes). */
export const QUERY_LOG_SCRIPT_PATH = "/admin/query-log.js";

function timeMs(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/**
 * Renders one page of the query log.
 *
 * @param props rows (newest first), the nodes, the filter, the cursor and the CSRF token
 * @returns the HTML document
 */
export function renderQueryLogPage(props: {
  rows: QueryLogRow[];
  nodes: { node: string; rows: number; lastTsMs: number }[];
  node: string;
  nextBeforeId: number | null;
  first: boolean;
  csrf: string;
}): string {
  const filter = props.node ? `node=${encodeURIComponent(props.node)}` : "";
  const here = `/admin/query-log${filter ? "?" + filter : ""}`;
  return renderPage({
    title: "Query log",
    view: "query-log",
    csrf: props.csrf,
    script: props.first ? QUERY_LOG_SCRIPT_PATH : undefined,
    children: (
      <>
        <p class="muted">
          Sampled queries from every node (clients shown as their /24 or /48 network).
        </p>
        <form method="get" action="/admin/query-log" class="inline">
          <label>
            Node{" "}
            <select name="node">
              <option value="">All nodes</option>
              {props.nodes.map((n) => (
                <option value={n.node} selected={n.node === props.node}>
                  {`${n.node} (${n.rows})`}
                </option>
              ))}
            </select>
          </label>{" "}
          <button type="submit">Show</button>
        </form>{" "}
        <a href={here} id="query-log-refresh">Refresh</a> {props.first && (
          <>
            <button type="button" id="query-log-toggle" aria-pressed="false" hidden>
              Pause
            </button>{" "}
            <span id="query-log-status" role="status" aria-live="polite"></span>
          </>
        )}
        <div class="scroll">
          <table
            id="query-log"
            data-node={props.node}
            data-after={String(props.rows[0]?.id ?? 0)}
          >
            <thead>
              <tr>
                <th>Time (UTC)</th>
                <th>Node</th>
                <th>Name</th>
                <th>Type</th>
                <th>Outcome</th>
                <th>Rcode</th>
                <th>µs</th>
                <th>Transport</th>
                <th>Client</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.length === 0 && (
                <tr id="query-log-empty">
                  <td colspan={9} class="muted">No sampled queries yet.</td>
                </tr>
              )}
              {props.rows.map((r) => (
                <tr data-id={String(r.id)}>
                  <td>{timeMs(r.tsMs)}</td>
                  <td>{r.node}</td>
                  <td class="value">{r.name}</td>
                  <td>{r.qtype < 0 ? "" : typeName(r.qtype)}</td>
                  <td>{r.outcome}</td>
                  <td>{r.rcode < 0 ? "none" : rcodeName(r.rcode).toUpperCase()}</td>
                  <td>{String(r.latencyUs)}</td>
                  <td>{r.transport}</td>
                  <td>{r.client}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <nav aria-label="Query log pages">
          {!props.first && <a href={here}>Newest</a>} {props.nextBeforeId !== null && (
            <a
              href={`/admin/query-log?${filter ? filter + "&" : ""}before_id=${props.nextBeforeId}`}
            >
              Older
            </a>
          )}
        </nav>
      </>
    ),
  });
}
