/**
 * The query log on the operator API (issue 14), registered on the admin app
 * so its operator-token check and audit row apply:
 *
 * | route | what |
 * | --- | --- |
 * | `GET /v1/admin/query-log?node=&before_id=&limit=` | newest sampled queries first (a page; `next_before_id` is the next page's cursor) and the nodes that have any |
 * | `GET /v1/admin/query-log/stream?node=&after=` | the same rows as Server-Sent Events, oldest first, then each new one as the nodes write it |
 *
 * The stream sends `event: query` with `id:` the row id and `data:` the row
 * as JSON (`sse_event.ts`: no field can break out of its line). It resumes
 * after `Last-Event-ID` (what EventSource sends when it reconnects) or
 * `?after=`; with neither it starts with the newest {@linkcode STREAM_BACKLOG}
 * rows. It reads the table every {@linkcode STREAM_POLL_MS} (each stream does
 * its own reads; requests share only a count of open streams, plain numbers,
 * so it works on Workers, where I/O may not cross request contexts), and
 * ends after DMP_QUERY_LOG_STREAM_SECONDS with `event: end`: clients reconnect
 * (`retry:` {@linkcode STREAM_RETRY_MS}) and resume where they were, so a
 * stream never holds a connection or an isolate for good. A client that
 * stops reading is dropped rather than buffered for. Each principal (the
 * operator token, or one dashboard session) may hold
 * DMP_QUERY_LOG_MAX_STREAMS streams per edge process (per isolate on
 * Workers); one more is a 429.
 *
 * The dashboard (`routes/dashboard/`) serves the same stream to its session
 * at `/admin/query-log/stream` through {@linkcode queryLogStream}: its cookie
 * is scoped to `/admin`, so a browser never sends it to `/v1/`.
 *
 * @module
 */

import type { Context, Hono } from "hono";
import { sseComment, sseEvent } from "../../../../packages/core/http/sse_event.ts";
import {
  listQueryLog,
  listQueryLogNodes,
  QUERY_LOG_FIELD_MAX,
  type QueryLogRow,
} from "../../../../packages/core/store/query_log.ts";
import { rcodeName, typeName } from "../../../../packages/core/wire/constants.ts";
import type { ResolvedDeps } from "../../app_deps.ts";

/** Rows a stream starts with when it resumes from nothing. */
export const STREAM_BACKLOG = 50;
/** How often a stream reads new rows: one indexed range read per interval. */
export const STREAM_POLL_MS = 1000;
/** What a client waits before reconnecting (the SSE `retry:` field). */
export const STREAM_RETRY_MS = 2000;
/** Most rows one poll sends. */
const ROWS_PER_POLL = 200;
/** Events buffered for a slow client before the stream drops it. */
const STREAM_BUFFER_EVENTS = 4 * ROWS_PER_POLL;
/** Default and largest JSON page. */
const PAGE_DEFAULT = 100;
const PAGE_MAX = 500;
/** A row id as a cursor (at most 2^53 - 1). */
const ID = /^\d{1,15}$/;

/** The JSON form of a row (API and stream). */
export function queryLogJson(r: QueryLogRow) {
  return {
    id: r.id,
    node: r.node,
    ts_ms: r.tsMs,
    name: r.name,
    qtype: r.qtype,
    type: r.qtype < 0 ? "" : typeName(r.qtype),
    outcome: r.outcome,
    rcode: r.rcode,
    rcode_name: r.rcode < 0 ? "" : rcodeName(r.rcode).toUpperCase(),
    latency_us: r.latencyUs,
    transport: r.transport,
    client: r.client,
  };
}

/** The `node` filter: absent, or at most the length a node name is stored with. */
function nodeFilter(c: Context): { ok: true; node?: string } | { ok: false; error: string } {
  const node = c.req.query("node");
  if (node === undefined || node === "") return { ok: true };
  if (node.length > QUERY_LOG_FIELD_MAX) {
    return { ok: false, error: `node: at most ${QUERY_LOG_FIELD_MAX} characters` };
  }
  return { ok: true, node };
}

/**
 * Open streams per principal in one edge process. Each slot expires with its
 * stream's lifetime even if its stream never says it ended: on workerd a
 * request whose client went away may be cancelled with its pending reads, so
 * the code that would release the slot never runs.
 */
class StreamSlots {
  /** principal → the end times (ms) of its open streams */
  #open = new Map<string, number[]>();

  /** Takes a slot that expires at `until`, or returns false when the principal holds `max`. */
  take(principal: string, max: number, now: number, until: number): boolean {
    const live = (this.#open.get(principal) ?? []).filter((t) => t > now);
    if (live.length >= max) {
      this.#open.set(principal, live);
      return false;
    }
    live.push(until);
    this.#open.set(principal, live);
    return true;
  }

  /** Gives back the slot taken until `until`. */
  release(principal: string, until: number): void {
    const list = this.#open.get(principal);
    if (!list) return;
    const i = list.indexOf(until);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#open.delete(principal);
  }
}

const slotsByApp = new WeakMap<ResolvedDeps, StreamSlots>();

/**
 * The event stream of the query log for `principal` (a 429 when it already
 * holds DMP_QUERY_LOG_MAX_STREAMS, a 400 naming a bad `node` or `after`).
 *
 * @param c the request (its `node`, `after` and `Last-Event-ID`)
 * @param deps the app dependencies
 * @param principal who holds the stream: `operator`, or `session:<nonce>`
 * @returns the response
 */
export function queryLogStream(c: Context, deps: ResolvedDeps, principal: string): Response {
  const filter = nodeFilter(c);
  if (!filter.ok) return c.json({ error: filter.error }, 400);
  // EventSource's reconnect carries the last id it saw; it wins over the URL's `after`.
  const resume = c.req.header("last-event-id") ?? c.req.query("after");
  if (resume !== undefined && resume !== "" && !ID.test(resume)) {
    return c.json({ error: "after / Last-Event-ID: expected a row id (digits)" }, 400);
  }
  let slots = slotsByApp.get(deps);
  if (!slots) slotsByApp.set(deps, slots = new StreamSlots());
  const max = deps.config.DMP_QUERY_LOG_MAX_STREAMS;
  const lifetimeMs = deps.config.DMP_QUERY_LOG_STREAM_SECONDS * 1000;
  const start = deps.clock();
  // The slot outlives the stream by one poll at most (the last read may still be running).
  const until = start + lifetimeMs + STREAM_POLL_MS;
  if (!slots.take(principal, max, start, until)) {
    return c.json({ error: `at most ${max} query log streams at once; close one first` }, 429);
  }
  const held = slots;
  const encoder = new TextEncoder();
  // Events a client may fall behind by (about 300 bytes each) before it is dropped: several
  // polls' worth, so only a client that stopped reading hits it.
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(
    undefined,
    { highWaterMark: STREAM_BUFFER_EVENTS },
  );
  const writer = writable.getWriter();
  let stopped = false;
  // The wait between polls ends early when the client goes (its slot is freed at once).
  let wake = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  // A client that disconnects cancels the readable side, which errors the writer.
  writer.closed.catch(stop);
  const signal = c.req.raw.signal;
  if (signal.aborted) stopped = true;
  signal.addEventListener("abort", stop, { once: true });
  const send = (text: string) => {
    // A client that stopped reading is dropped, not buffered for.
    if (stopped || (writer.desiredSize ?? 1) <= 0) return stop();
    writer.write(encoder.encode(text)).catch(stop);
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const run = async () => {
    const end = start + lifetimeMs;
    let lastId = resume !== undefined && resume !== "" ? Number(resume) : -1;
    try {
      send(`retry: ${STREAM_RETRY_MS}\n\n`);
      if (lastId < 0) {
        const newest = await listQueryLog(deps.client, {
          node: filter.node,
          limit: STREAM_BACKLOG,
        });
        lastId = newest.length ? newest[0].id : 0;
        for (const r of newest.reverse()) send(rowEvent(r));
      }
      while (!stopped && deps.clock() < end) {
        const rows = await listQueryLog(deps.client, {
          node: filter.node,
          afterId: lastId,
          limit: ROWS_PER_POLL,
        });
        for (const r of rows) {
          send(rowEvent(r));
          lastId = r.id;
        }
        // A poll with nothing new writes a comment line: it keeps proxies from timing the
        // connection out, and a runtime that learns of a gone client only when it writes stops
        // the stream at the next poll. Where the disconnect never reaches the stream (workerd
        // under Miniflare), the slot's expiry frees it (StreamSlots).
        if (rows.length === 0) send(sseComment(""));
        if (rows.length < ROWS_PER_POLL && !stopped) {
          await pause(Math.min(STREAM_POLL_MS, end - deps.clock()));
        }
      }
      send(
        sseEvent({ event: "end", data: JSON.stringify({ reason: "lifetime", last_id: lastId }) }),
      );
    } catch (e) {
      deps.logger.warn("query log stream read failed", {
        error: e instanceof Error ? e.message : String(e),
      });
      send(sseEvent({ event: "end", data: JSON.stringify({ reason: "store_error" }) }));
    } finally {
      held.release(principal, until);
      signal.removeEventListener("abort", stop);
      await writer.close().catch(() => {});
    }
  };
  void run();
  return new Response(readable, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // Proxies (nginx) must pass events through as they come.
      "x-accel-buffering": "no",
    },
  });
}

function rowEvent(r: QueryLogRow): string {
  return sseEvent({ id: String(r.id), event: "query", data: JSON.stringify(queryLogJson(r)) });
}

/**
 * One page of the query log, newest first, with the nodes that have rows.
 *
 * @param deps the app dependencies
 * @param q node filter, cursor and page size (already checked)
 * @returns the rows, the nodes and the next page's cursor (null on the last page)
 */
export async function readQueryLogPage(
  deps: ResolvedDeps,
  q: { node?: string; beforeId?: number; limit: number },
) {
  const [rows, nodes] = await Promise.all([
    listQueryLog(deps.client, { node: q.node, beforeId: q.beforeId, limit: q.limit + 1 }),
    listQueryLogNodes(deps.client),
  ]);
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  return { rows: page, nodes, nextBeforeId: more ? page[page.length - 1].id : null };
}

/**
 * Registers the query log routes on the admin app.
 *
 * @param app the admin app (its middleware checks the operator token and audits)
 * @param deps the app dependencies
 */
export function mountQueryLogRoutes(app: Hono, deps: ResolvedDeps): void {
  app.get("/v1/admin/query-log", async (c) => {
    const filter = nodeFilter(c);
    if (!filter.ok) return c.json({ error: filter.error }, 400);
    const before = c.req.query("before_id");
    if (before !== undefined && !ID.test(before)) {
      return c.json({ error: "before_id: expected a row id (digits)" }, 400);
    }
    const limitText = c.req.query("limit");
    const limit = limitText === undefined ? PAGE_DEFAULT : Number(limitText);
    if (!/^\d{1,4}$/.test(limitText ?? "1") || limit < 1 || limit > PAGE_MAX) {
      return c.json({ error: `limit: expected 1 to ${PAGE_MAX}` }, 400);
    }
    const page = await readQueryLogPage(deps, {
      node: filter.node,
      beforeId: before === undefined ? undefined : Number(before),
      limit,
    });
    c.header("cache-control", "no-store");
    return c.json({
      entries: page.rows.map(queryLogJson),
      next_before_id: page.nextBeforeId,
      nodes: page.nodes.map((n) => ({ node: n.node, rows: n.rows, last_ts_ms: n.lastTsMs })),
    });
  });

  app.get("/v1/admin/query-log/stream", (c) => queryLogStream(c, deps, "operator"));
}
