/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The zones view (issue 14): every zone with its serial, record count,
 * transfer and signing state and SOA timers, a delete button each, the
 * import form (a new zone from a master file) and the create form (apex NS/A/AAAA, SOA names and
 * timers). The form posts to the dashboard, which hands it to
 * `POST /v1/admin/zones`, so the API's validators decide.
 *
 * @module
 */

import type { StoredZone } from "../../../../packages/core/store/records.ts";
import { CsrfField, renderPage } from "./layout.tsx";
import { ImportForm } from "./zone_import_page.tsx";
import type { ZoneListState } from "./zone_state.ts";
import { signingText, transferText } from "./zone_state_view.tsx";

/** What the zones page shows. */
export interface ZonesPageProps {
  zones: StoredZone[];
  /** record counts, transfer and signing state per zone */
  state: ZoneListState;
  csrf: string;
  notice?: string;
  error?: string;
  /** The create form's values after an error, so nothing typed is lost. */
  form?: Record<string, string>;
  /** The import form's values after an error. */
  importForm?: Record<string, string>;
}

function Field(
  props: { label: string; name: string; form?: Record<string, string>; hint?: string },
) {
  return (
    <>
      <label>
        {props.label}
        <input
          type="text"
          name={props.name}
          value={props.form?.[props.name] ?? ""}
          aria-describedby={props.hint ? `${props.name}-hint` : undefined}
        />
      </label>
      {props.hint && <span class="muted" id={`${props.name}-hint`}>{props.hint}</span>}
    </>
  );
}

/**
 * Renders the zones page.
 *
 * @param props zones, CSRF token, notice/error, form values
 * @returns the HTML document
 */
export function renderZonesPage(props: ZonesPageProps): string {
  return renderPage({
    title: "Zones",
    view: "zones",
    csrf: props.csrf,
    notice: props.notice,
    error: props.error,
    children: (
      <>
        <div class="scroll">
          <table id="zones">
            <thead>
              <tr>
                <th>Zone</th>
                <th>Serial</th>
                <th>Refresh / retry / expire / minimum</th>
                <th>Records</th>
                <th>Transfer</th>
                <th>Signing</th>
                <th>Delete</th>
              </tr>
            </thead>
            <tbody>
              {props.zones.map((z) => (
                <tr data-zone={z.name}>
                  <td>
                    <a href={`/admin/zones/${encodeURIComponent(z.name)}`}>{z.name}</a>
                  </td>
                  <td>{String(z.serial)}</td>
                  <td>{`${z.soaRefresh} / ${z.soaRetry} / ${z.soaExpire} / ${z.soaMinimum}`}</td>
                  <td>{String(props.state.records.get(z.name) ?? 0)}</td>
                  <td>{transferText(props.state.transfer.get(z.name))}</td>
                  <td>{signingText(props.state.keys.get(z.name) ?? [])}</td>
                  <td>
                    <form
                      class="inline"
                      method="post"
                      action={`/admin/zones/${encodeURIComponent(z.name)}/delete`}
                    >
                      <CsrfField csrf={props.csrf} />
                      <button type="submit" class="danger" aria-label={`Delete zone ${z.name}`}>
                        Delete
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {props.zones.length === 0 && <p class="muted">No zones yet.</p>}
        <h2>Create a zone</h2>
        <form class="stack" method="post" action="/admin/zones" id="create-zone">
          <CsrfField csrf={props.csrf} />
          <Field label="Zone name" name="name" form={props.form} />
          <Field
            label="Apex NS"
            name="apex_ns"
            form={props.form}
            hint="host names, separated by spaces or commas"
          />
          <Field label="Apex A" name="apex_a" form={props.form} hint="IPv4 addresses" />
          <Field label="Apex AAAA" name="apex_aaaa" form={props.form} hint="IPv6 addresses" />
          <Field label="Apex TTL" name="apex_ttl" form={props.form} hint="seconds (3600)" />
          <fieldset>
            <legend>SOA</legend>
            <Field
              label="SOA MNAME"
              name="soa_mname"
              form={props.form}
              hint="empty: the first NS"
            />
            <Field
              label="SOA RNAME"
              name="soa_rname"
              form={props.form}
              hint="empty: hostmaster.<zone>"
            />
            <Field label="SOA refresh" name="soa_refresh" form={props.form} />
            <Field label="SOA retry" name="soa_retry" form={props.form} />
            <Field label="SOA expire" name="soa_expire" form={props.form} />
            <Field label="SOA minimum" name="soa_minimum" form={props.form} />
          </fieldset>
          <button type="submit">Create zone</button>
        </form>
        <h2>Import a zone from a master file</h2>
        <ImportForm csrf={props.csrf} form={props.importForm} />
      </>
    ),
  });
}
