/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * One zone's records (issue 14): a chip per record type present (a link
 * that filters the table), a text filter (a GET form, no script), the table
 * with each record's TTL and, for DMP records, their lifetime (time left
 * until the store expires them), a delete button per record, and the add
 * form. Adds and deletes go through `/v1/admin/zones/{zone}/records`, so the
 * master-file parser and the API's validators decide what is accepted.
 *
 * @module
 */

import type { StoredRecord } from "../../../../packages/core/store/records.ts";
import { RDATA_TEXT_TYPES } from "../../../../packages/core/zone/master_file.ts";
import { CsrfField, renderPage } from "./layout.tsx";
import { ImportForm } from "./zone_import_page.tsx";
import type { ZoneStateView } from "./zone_state.ts";
import { ZoneStateSection } from "./zone_state_view.tsx";

/** What the records page shows. */
export interface RecordsPageProps {
  zone: string;
  records: StoredRecord[];
  now: number;
  csrf: string;
  /** Type chip selected ("" for all). */
  type: string;
  /** Text filter ("" for none). */
  q: string;
  notice?: string;
  error?: string;
  form?: Record<string, string>;
  /** The zone's SOA serial. */
  serial: number;
  /** Transfer and signing state. */
  state: ZoneStateView;
  /** The import form's values after an error. */
  importForm?: Record<string, string>;
}

/**
 * Time left of a record with a lifetime, or "permanent".
 *
 * @param expiresAt unix seconds (0 = never)
 * @param now unix seconds
 * @returns the text
 */
export function lifetimeText(expiresAt: number, now: number): string {
  if (!expiresAt) return "permanent";
  const s = Math.max(0, expiresAt - now);
  if (s < 120) return `${s}s left`;
  if (s < 7200) return `${Math.floor(s / 60)}m left`;
  if (s < 172800) return `${Math.floor(s / 3600)}h left`;
  return `${Math.floor(s / 86400)}d left`;
}

function chipHref(zone: string, type: string, q: string): string {
  const p = new URLSearchParams();
  if (type) p.set("type", type);
  if (q) p.set("q", q);
  const s = p.toString();
  return `/admin/zones/${encodeURIComponent(zone)}${s ? "?" + s : ""}`;
}

/**
 * Renders the records page.
 *
 * @param props the zone, its records, filters, CSRF token, notice/error
 * @returns the HTML document
 */
export function renderRecordsPage(props: RecordsPageProps): string {
  const types = [...new Set(props.records.map((r) => r.type))].sort();
  const q = props.q.toLowerCase();
  const shown = props.records.filter((r) =>
    (!props.type || r.type === props.type) &&
    (!q || `${r.name} ${r.type} ${r.value}`.toLowerCase().includes(q))
  );
  const action = `/admin/zones/${encodeURIComponent(props.zone)}/records`;
  return renderPage({
    title: `Zone ${props.zone}`,
    view: "zones",
    csrf: props.csrf,
    notice: props.notice,
    error: props.error,
    children: (
      <>
        <p>
          <a href="/admin/zones">All zones</a>
        </p>
        <ZoneStateSection
          zone={props.zone}
          serial={props.serial}
          records={props.records.length}
          state={props.state}
          csrf={props.csrf}
        />
        <h2>Records</h2>
        <ul class="chips" aria-label="Record types">
          <li>
            <a href={chipHref(props.zone, "", props.q)} aria-current={String(!props.type)}>
              {`All (${props.records.length})`}
            </a>
          </li>
          {types.map((t) => (
            <li>
              <a href={chipHref(props.zone, t, props.q)} aria-current={String(props.type === t)}>
                {`${t} (${props.records.filter((r) => r.type === t).length})`}
              </a>
            </li>
          ))}
        </ul>
        <form method="get" action={`/admin/zones/${encodeURIComponent(props.zone)}`}>
          {props.type && <input type="hidden" name="type" value={props.type} />}
          <label>
            Filter records <input type="search" name="q" value={props.q} maxlength={200} />
          </label>{" "}
          <button type="submit">Filter</button>
        </form>
        <p class="muted">
          <span id="shown">{String(shown.length)}</span> of {String(props.records.length)} shown
        </p>
        <div class="scroll">
          <table id="records">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Value</th>
                <th>TTL</th>
                <th>Lifetime</th>
                <th>Delete</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr data-type={r.type}>
                  <td>{r.name}</td>
                  <td>{r.type}</td>
                  <td class="value">{r.value}</td>
                  <td>{String(r.ttl)}</td>
                  <td title={r.expiresAt ? String(r.expiresAt) : "never expires"}>
                    {lifetimeText(r.expiresAt, props.now)}
                  </td>
                  <td>
                    <form class="inline" method="post" action={`${action}/delete`}>
                      <CsrfField csrf={props.csrf} />
                      <input type="hidden" name="name" value={r.name} />
                      <input type="hidden" name="type" value={r.type} />
                      <input type="hidden" name="value" value={r.value} />
                      <button
                        type="submit"
                        class="danger"
                        aria-label={`Delete ${r.name} ${r.type} ${r.value}`}
                      >
                        Delete
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h2>Add a record</h2>
        <form class="stack" method="post" action={action} id="add-record">
          <CsrfField csrf={props.csrf} />
          <label>
            Name
            <input
              type="text"
              name="name"
              required
              value={props.form?.name ?? ""}
              aria-describedby="name-hint"
            />
          </label>
          <span class="muted" id="name-hint">
            {`relative to ${props.zone}, "@" for the apex, or a full name ending in a dot`}
          </span>
          <label for="record-type">Record type</label>
          <select name="type" id="record-type">
            {RDATA_TEXT_TYPES.map((t) => (
              <option value={t} selected={(props.form?.type ?? "A") === t}>{t}</option>
            ))}
          </select>
          <label>
            Value
            <input
              type="text"
              name="value"
              required
              value={props.form?.value ?? ""}
              aria-describedby="value-hint"
            />
          </label>
          <span class="muted" id="value-hint">
            presentation form, as in a master file; TXT as plain text
          </span>
          <label>
            TTL
            <input type="text" name="ttl" inputmode="numeric" value={props.form?.ttl ?? "300"} />
          </label>
          <label>
            Lifetime
            <input
              type="text"
              name="lifetime"
              inputmode="numeric"
              value={props.form?.lifetime ?? ""}
              aria-describedby="lifetime-hint"
            />
          </label>
          <span class="muted" id="lifetime-hint">
            seconds until the record expires; empty: TXT its TTL, others never
          </span>
          <button type="submit">Add record</button>
        </form>
        <h2>Import a master file</h2>
        <ImportForm csrf={props.csrf} zone={props.zone} form={props.importForm} />
      </>
    ),
  });
}
