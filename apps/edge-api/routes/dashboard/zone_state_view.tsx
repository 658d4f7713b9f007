/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * A zone's serial, record count, transfer and signing state (issue 14), as
 * short texts for the zones list and as a section of the zone's page with
 * the export link and the enable-signing form (posting, with the CSRF token,
 * to the dashboard, which hands it to `POST /v1/admin/zones/{zone}/dnssec`).
 *
 * @module
 */

import type { TransferPolicy } from "../../../../packages/core/store/transfer_policy.ts";
import { CsrfField } from "./layout.tsx";
import { algorithmName, type SigningKeyView, type ZoneStateView } from "./zone_state.ts";

/**
 * The transfer state in a few words: "off" or who may transfer and who is notified.
 *
 * @param p the zone's policy (undefined: none)
 * @returns the text
 */
export function transferText(p: TransferPolicy | undefined): string {
  if (!p) return "off";
  const parts: string[] = [];
  if (p.allowKeys.length) parts.push(`keys: ${p.allowKeys.join(", ")}`);
  if (p.allowNets.length) parts.push(`nets: ${p.allowNets.join(", ")}`);
  if (!p.allowKeys.length && !p.allowNets.length) parts.push("nobody allowed");
  if (p.notify.length) {
    parts.push(
      `notify: ${
        p.notify.map((t) => `${t.address}:${t.port}${t.key ? ` (${t.key})` : ""}`)
          .join(", ")
      }`,
    );
  }
  return parts.join("; ");
}

/**
 * The signing state in a few words: "off" or the algorithm and key tags.
 *
 * @param keys the zone's keys (empty: unsigned)
 * @returns the text
 */
export function signingText(keys: readonly SigningKeyView[]): string {
  if (keys.length === 0) return "off";
  const algs = [...new Set(keys.map((k) => algorithmName(k.algorithm)))].join(", ");
  return `${algs}, key tag ${keys.map((k) => k.keyTag).join(", ")}`;
}

/**
 * The zone page's state section.
 *
 * @param props zone, serial, record count, state, CSRF token
 * @returns the section element
 */
export function ZoneStateSection(
  props: { zone: string; serial: number; records: number; state: ZoneStateView; csrf: string },
) {
  const enc = encodeURIComponent(props.zone);
  return (
    <section aria-labelledby="zone-state">
      <h2 id="zone-state">State</h2>
      <div class="scroll">
        <table id="zone-state-table">
          <tbody>
            <tr data-field="serial">
              <th scope="row">Serial</th>
              <td>{String(props.serial)}</td>
            </tr>
            <tr data-field="records">
              <th scope="row">Records</th>
              <td>{String(props.records)}</td>
            </tr>
            <tr data-field="transfer">
              <th scope="row">Transfer</th>
              <td>{transferText(props.state.transfer)}</td>
            </tr>
            <tr data-field="signing">
              <th scope="row">Signing</th>
              <td>{signingText(props.state.keys)}</td>
            </tr>
            {/* The parent holds the DS of a KSK (or a combined key) only. */}
            {props.state.keys.filter((k) => k.ds && k.role !== "zsk").map((k) => (
              <tr data-field="ds">
                <th scope="row">
                  {k.role ? `DS (${k.role} ${k.keyTag}, ${k.state})` : `DS (key ${k.keyTag})`}
                </th>
                <td class="value">{k.ds}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <a href={`/admin/zones/${enc}/export`} id="export-link" download={`${props.zone}.zone`}>
          Export master file
        </a>
      </p>
      {props.state.keys.length === 0 && (
        <form method="post" action={`/admin/zones/${enc}/dnssec`} id="enable-signing">
          <CsrfField csrf={props.csrf} />
          <label for="signing-algorithm">Algorithm</label>{" "}
          <select name="algorithm" id="signing-algorithm">
            <option value="13" selected>ECDSAP256SHA256 (13)</option>
            <option value="15">ED25519 (15)</option>
          </select>{" "}
          <button type="submit">Enable DNSSEC signing</button>
        </form>
      )}
    </section>
  );
}
