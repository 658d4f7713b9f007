/**
 * One Server-Sent Events message (HTML Living Standard §9.2.6, "Interpreting
 * an event stream"), built so that no field value can start another field or
 * another event. In the event stream format a line ends at CR, LF or CRLF,
 * so text carrying one (a query name is attacker-chosen) could otherwise add
 * an `id:`, an `event:` or a whole event of its own. Here every line of
 * `data` becomes its own `data:` line (the client joins them back with LF,
 * so the data arrives as it was given), and `id` and `event`, which are one
 * line each, lose every CR, LF and NUL (§9.2.6: an id containing NUL is
 * ignored by the client).
 *
 * This module is browser compatible.
 * @module
 */

const LINE_BREAK = /\r\n|\r|\n/;
const FORBIDDEN = /[\r\n\0]/g;

/**
 * The text of one event, blank line included.
 *
 * @param event the fields: `data` (any text), optional `id`, `event` and `retry` (ms)
 * @returns the event's text
 *
 * @example A name with a line break stays inside its data
 * ```ts
 * import { sseEvent } from "./sse_event.ts";
 * const text = sseEvent({ id: "7", event: "query", data: "a\nid: 999\n\nevent: x" });
 * if (text !== "id: 7\nevent: query\ndata: a\ndata: id: 999\ndata: \ndata: event: x\n\n") {
 *   throw new Error(text);
 * }
 * ```
 */
export function sseEvent(event: { data: string; id?: string; event?: string; retry?: number }) {
  let out = "";
  if (event.id !== undefined) out += `id: ${event.id.replace(FORBIDDEN, "")}\n`;
  if (event.event !== undefined) out += `event: ${event.event.replace(FORBIDDEN, "")}\n`;
  if (event.retry !== undefined && Number.isSafeInteger(event.retry) && event.retry >= 0) {
    out += `retry: ${event.retry}\n`;
  }
  for (const line of event.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return out + "\n";
}

/**
 * A comment line (ignored by clients): keeps idle connections open through proxies.
 *
 * @param text the comment; line breaks are removed
 * @returns `: text` and a line break
 *
 * @example
 * ```ts
 * import { sseComment } from "./sse_event.ts";
 * if (sseComment("ping\nid: 1") !== ": pingid: 1\n") throw new Error();
 * ```
 */
export function sseComment(text: string): string {
  return `: ${text.replace(FORBIDDEN, "")}\n`;
}
