/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The nodes view (issue 14): the heartbeat directory the public `/nodes`
 * page reads (`listRecentHeartbeats`), with freshness (the same one-hour
 * rule), and this deployment's own nodes marked: a node is ours when its
 * endpoint's host is DMP_NODE_HOSTNAME or its claim-provider zone is
 * DMP_DOMAIN.
 *
 * @module
 */

import type { HeartbeatSeenRow } from "../../../../packages/core/store/heartbeats_seen.ts";
import { ageText, FRESH_SECONDS, shortKey } from "../nodes/nodes_page.tsx";
import { renderPage } from "./layout.tsx";

/** What the nodes view shows. */
export interface NodesViewProps {
  rows: HeartbeatSeenRow[];
  now: number;
  csrf: string;
  /** DMP_NODE_HOSTNAME and DMP_DOMAIN ("" when unset). */
  ownHostname: string;
  ownZone: string;
}

/**
 * True when a heartbeat row is one of this deployment's nodes.
 *
 * @param row the heartbeat
 * @param ownHostname DMP_NODE_HOSTNAME
 * @param ownZone DMP_DOMAIN
 * @returns whether it is ours
 */
export function isOwnNode(row: HeartbeatSeenRow, ownHostname: string, ownZone: string): boolean {
  let host = "";
  try {
    host = new URL(row.endpoint).hostname.toLowerCase();
  } catch { /* not a URL: cannot be ours by host */ }
  return (ownHostname !== "" && host === ownHostname.toLowerCase()) ||
    (ownZone !== "" && row.claimProviderZone.toLowerCase() === ownZone.toLowerCase());
}

/**
 * Renders the nodes view.
 *
 * @param props heartbeat rows (newest first), time, CSRF token, our names
 * @returns the HTML document
 */
export function renderNodesView(props: NodesViewProps): string {
  return renderPage({
    title: "Nodes",
    view: "nodes",
    csrf: props.csrf,
    children: (
      <>
        <p class="muted">
          {`${props.rows.length} nodes heard; fresh = heard within the last hour.`}
        </p>
        <div class="scroll">
          <table id="nodes">
            <thead>
              <tr>
                <th>Endpoint</th>
                <th>Ours</th>
                <th>Operator key</th>
                <th>Version</th>
                <th>Zone</th>
                <th>Last heard</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => {
                const own = isOwnNode(r, props.ownHostname, props.ownZone);
                const age = props.now - r.ts;
                return (
                  <tr class={own ? "own" : undefined} data-own={String(own)}>
                    <td>{r.endpoint}</td>
                    <td>{own ? "ours" : ""}</td>
                    <td>
                      <code title={r.operatorSpkHex}>{shortKey(r.operatorSpkHex)}</code>
                    </td>
                    <td>{r.version || "-"}</td>
                    <td>{r.claimProviderZone || "-"}</td>
                    <td class={age < FRESH_SECONDS ? "fresh" : "stale"}>{ageText(age)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </>
    ),
  });
}
