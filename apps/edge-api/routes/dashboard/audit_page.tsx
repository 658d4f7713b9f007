/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The audit log (issue 14): newest first, a page at a time, with an "Older"
 * link carrying the cursor (`before_id`, as `GET /v1/admin/audit`).
 *
 * @module
 */

import type { AuditEntry } from "../../../../packages/core/store/audit.ts";
import { renderPage, timeText } from "./layout.tsx";

/** Rows per audit page. */
export const AUDIT_PAGE_SIZE = 50;

/**
 * Renders one page of the audit log.
 *
 * @param props rows (newest first, at most one page), CSRF token, whether older rows exist
 * @returns the HTML document
 */
export function renderAuditPage(
  props: { rows: AuditEntry[]; csrf: string; hasOlder: boolean; first: boolean },
): string {
  const last = props.rows.at(-1);
  return renderPage({
    title: "Audit log",
    view: "audit",
    csrf: props.csrf,
    children: (
      <>
        <div class="scroll">
          <table id="audit">
            <thead>
              <tr>
                <th>#</th>
                <th>Time (UTC)</th>
                <th>Actor</th>
                <th>Event</th>
                <th>Subject</th>
                <th>Remote</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((r) => (
                <tr>
                  <td>{String(r.id)}</td>
                  <td>{timeText(r.ts)}</td>
                  <td>{r.actor}</td>
                  <td>{r.event}</td>
                  <td class="value">{r.subject}</td>
                  <td>{r.remoteAddr}</td>
                  <td class="value">{r.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <nav aria-label="Audit pages">
          {!props.first && <a href="/admin/audit">Newest</a>}{" "}
          {props.hasOlder && last && <a href={`/admin/audit?before_id=${last.id}`}>Older</a>}
        </nav>
      </>
    ),
  });
}
