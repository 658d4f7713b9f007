/**
 * The query log page's one script (issue 14), served by the edge at
 * `/admin/query-log.js` so the page's CSP can allow `script-src 'self'`
 * and nothing inline. It follows `/admin/query-log/stream` with
 * EventSource and puts each new row at the top of the server-rendered
 * table, building cells with `textContent` only (a query name is
 * attacker-chosen text and never becomes markup). Pause closes the stream;
 * resume opens it again after the last row shown, so rows that arrived while
 * paused still come (the table in the database holds them). Without
 * JavaScript the page is the same table with a refresh link; the pause
 * button stays hidden.
 *
 * Plain ES2017 in a string: no build step on any runtime.
 *
 * @module
 */

/** Rows the page keeps; older ones fall off the bottom. */
export const QUERY_LOG_PAGE_ROWS = 200;

/** The script's source. */
export const QUERY_LOG_SCRIPT = `"use strict";
(function () {
  var table = document.getElementById("query-log");
  var button = document.getElementById("query-log-toggle");
  var status = document.getElementById("query-log-status");
  if (!table || !button || !status || typeof EventSource !== "function") return;
  var body = table.tBodies[0];
  var node = table.getAttribute("data-node") || "";
  var lastId = Number(table.getAttribute("data-after") || "0");
  var source = null;
  function say(text) { status.textContent = text; }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  function time(ms) {
    return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
  }
  function add(e) {
    var r;
    try { r = JSON.parse(e.data); } catch (_) { return; }
    if (!r || typeof r.id !== "number" || r.id <= lastId) return;
    lastId = r.id;
    var empty = document.getElementById("query-log-empty");
    if (empty) empty.remove();
    var tr = document.createElement("tr");
    tr.setAttribute("data-id", String(r.id));
    cell(tr, time(Number(r.ts_ms)));
    cell(tr, String(r.node));
    cell(tr, String(r.name), "value");
    cell(tr, String(r.type));
    cell(tr, String(r.outcome));
    cell(tr, r.rcode_name ? String(r.rcode_name) : "none");
    cell(tr, String(r.latency_us));
    cell(tr, String(r.transport));
    cell(tr, String(r.client));
    body.insertBefore(tr, body.firstChild);
    while (body.rows.length > ${QUERY_LOG_PAGE_ROWS}) body.deleteRow(body.rows.length - 1);
    table.setAttribute("data-after", String(lastId));
  }
  function open() {
    var q = "after=" + lastId + (node ? "&node=" + encodeURIComponent(node) : "");
    source = new EventSource("/admin/query-log/stream?" + q);
    source.addEventListener("query", add);
    source.onopen = function () { say("Live"); };
    source.onerror = function () {
      say(source && source.readyState === 2 ? "Stream refused; reload the page" : "Reconnecting");
    };
  }
  function pause() {
    if (source) source.close();
    source = null;
    button.textContent = "Resume";
    button.setAttribute("aria-pressed", "true");
    say("Paused");
  }
  function resume() {
    open();
    button.textContent = "Pause";
    button.setAttribute("aria-pressed", "false");
    say("Connecting");
  }
  button.hidden = false;
  button.addEventListener("click", function () { if (source) pause(); else resume(); });
  resume();
})();
`;
