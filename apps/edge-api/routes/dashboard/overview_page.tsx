/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The overview (issue 14, in part): what the shared store says about the
 * deployment now: how long a store read took, zones, live records, the
 * journal head every node follows, live tokens and TSIG keys, and how many
 * nodes were heard within the hour. Per-node query rates, replica lag and
 * sparklines need a stats row each node writes, which does not exist yet.
 *
 * @module
 */

import { renderPage } from "./layout.tsx";

/** The figures the overview shows. */
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

/**
 * Renders the overview.
 *
 * @param props the figures and the CSRF token
 * @returns the HTML document
 */
export function renderOverviewPage(props: { figures: OverviewFigures; csrf: string }): string {
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
  return renderPage({
    title: "Overview",
    view: "overview",
    csrf: props.csrf,
    children: (
      <>
        <table id="overview">
          <tbody>
            {rows.map(([id, label, value]) => (
              <tr data-figure={id}>
                <th scope="row">{label}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted">
          Per-node query and UPDATE rates, replica lag and sparklines are not shown: nodes do not
          write a stats row yet.
        </p>
      </>
    ),
  });
}
