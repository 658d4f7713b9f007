/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Zone import in the dashboard (issue 14): a form to paste or upload a
 * master file (multipart, no script), the preview of what it would change
 * (the operator API's `dry_run=1` answer: records to add and to delete, the
 * unchanged count, the serial before and after), and the apply form. The
 * apply form carries the file back in a hidden field with the preview's
 * fingerprint, so the API refuses it when the zone changed in between.
 *
 * @module
 */

import { z } from "zod";
import { CsrfField, renderPage } from "./layout.tsx";

const DiffRecord = z.object({
  name: z.string(),
  type: z.string(),
  ttl: z.number(),
  value: z.string(),
});

/** The API's dry-run answer, as the preview page reads it. */
export const ImportPreviewJson = z.object({
  zone: z.string(),
  fingerprint: z.string(),
  records: z.number(),
  creates_zone: z.boolean(),
  written: z.number(),
  deleted: z.number(),
  unchanged: z.number(),
  serial_before: z.number().nullable(),
  serial: z.number(),
  add: z.array(DiffRecord),
  delete: z.array(DiffRecord),
  truncated: z.boolean(),
});

/** A parsed dry-run answer. */
export type ImportPreview = z.infer<typeof ImportPreviewJson>;

/**
 * The import form: a zone name (a field when `zone` is absent, so a zone can
 * be made from a file), a text area and a file input, and merge or replace.
 *
 * @param props CSRF token, the zone (when on its page), values after an error
 * @returns the form element
 */
export function ImportForm(
  props: { csrf: string; zone?: string; form?: Record<string, string> },
) {
  return (
    <form
      class="stack"
      method="post"
      action="/admin/import"
      enctype="multipart/form-data"
      id="import-zone"
    >
      <CsrfField csrf={props.csrf} />
      {props.zone === undefined
        ? (
          <label>
            Zone to import into
            <input type="text" name="zone" required value={props.form?.zone ?? ""} />
          </label>
        )
        : <input type="hidden" name="zone" value={props.zone} />}
      <label>
        Master file text
        <textarea name="text" rows={6} spellcheck={false} aria-describedby="import-hint">
          {"\n" + (props.form?.text ?? "")}
        </textarea>
      </label>
      <label>
        Or upload a master file
        <input type="file" name="file" accept=".zone,.db,.txt,text/dns,text/plain" />
      </label>
      <span class="muted" id="import-hint">
        RFC 1035 master file, at most 16 MiB; an uploaded file is used instead of the text. No
        $INCLUDE. You see the changes before anything is written.
      </span>
      <label class="check">
        <input
          type="checkbox"
          name="replace"
          value="true"
          checked={props.form?.replace === "true"}
        />{" "}
        Replace: also delete zone data the file lacks
      </label>
      <button type="submit">Preview import</button>
    </form>
  );
}

function DiffTable(
  props: { id: string; caption: string; rows: ImportPreview["add"]; total: number },
) {
  if (props.total === 0) return <p class="muted">{`${props.caption}: none.`}</p>;
  return (
    <>
      <h2>{`${props.caption} (${props.total})`}</h2>
      <div class="scroll">
        <table id={props.id}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>TTL</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr data-type={r.type}>
                <td>{r.name}</td>
                <td>{r.type}</td>
                <td>{String(r.ttl)}</td>
                <td class="value">{r.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.rows.length < props.total && (
        <p class="muted">{`The first ${props.rows.length} of ${props.total} are listed.`}</p>
      )}
    </>
  );
}

/**
 * Renders the preview page: the difference, then the apply form.
 *
 * @param props the dry-run answer, the file text and options, CSRF token
 * @returns the HTML document
 */
export function renderImportPreviewPage(
  props: { preview: ImportPreview; text: string; replace: boolean; csrf: string },
): string {
  const p = props.preview;
  const enc = encodeURIComponent(p.zone);
  const serial = p.serial_before === null
    ? `new zone, serial ${p.serial}`
    : p.serial_before === p.serial
    ? `${p.serial} (unchanged)`
    : `${p.serial_before} → ${p.serial}`;
  const nothing = p.written === 0 && p.deleted === 0 && p.serial_before === p.serial;
  return renderPage({
    title: `Import into ${p.zone}: preview`,
    view: "zones",
    csrf: props.csrf,
    children: (
      <>
        <p>
          <a href={p.creates_zone ? "/admin/zones" : `/admin/zones/${enc}`}>
            Back without importing
          </a>
        </p>
        <div class="scroll">
          <table id="import-summary">
            <tbody>
              <tr data-field="mode">
                <th scope="row">Mode</th>
                <td>{props.replace ? "replace (zone data the file lacks is deleted)" : "merge"}</td>
              </tr>
              <tr data-field="records">
                <th scope="row">Records in the file</th>
                <td>{String(p.records)}</td>
              </tr>
              <tr data-field="add">
                <th scope="row">To add or change</th>
                <td>{String(p.written)}</td>
              </tr>
              <tr data-field="delete">
                <th scope="row">To delete</th>
                <td>{String(p.deleted)}</td>
              </tr>
              <tr data-field="unchanged">
                <th scope="row">Unchanged</th>
                <td>{String(p.unchanged)}</td>
              </tr>
              <tr data-field="serial">
                <th scope="row">SOA serial</th>
                <td>{serial}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <p class="muted">
          A serial moved by the zone's policy (not the file's) is the value at preview time; the
          clock at apply time decides.
        </p>
        <DiffTable id="import-add" caption="To add or change" rows={p.add} total={p.written} />
        <DiffTable id="import-delete" caption="To delete" rows={p.delete} total={p.deleted} />
        {nothing
          ? <p class="notice" role="status">The zone already matches the file: nothing to apply.</p>
          : (
            <form
              method="post"
              action="/admin/import/apply"
              enctype="multipart/form-data"
              id="apply-import"
            >
              <CsrfField csrf={props.csrf} />
              <input type="hidden" name="zone" value={p.zone} />
              <input type="hidden" name="fingerprint" value={p.fingerprint} />
              {props.replace && <input type="hidden" name="replace" value="true" />}
              {/* The HTML parser drops one newline right after <textarea>: lead with one. */}
              <textarea name="text" hidden>{"\n" + props.text}</textarea>
              <button type="submit">Apply import</button>
            </form>
          )}
      </>
    ),
  });
}
