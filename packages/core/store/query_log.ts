/**
 * The query log in libSQL (issue 14): each udp-node's recent sampled queries,
 * capped per node. A node writes with {@linkcode queryLogAppendStatements}
 * (its new samples, then the prune of its rows past the cap, in one batch);
 * the edge reads pages with {@linkcode listQueryLog} and follows new rows by
 * id for its event stream. Names are what clients asked, so they are
 * attacker-chosen text: the write caps every field and the readers
 * (JSON, SSE, HTML) escape them; the client is a network prefix, never an
 * address (`net/client_prefix.ts`).
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient, SqlStatement, SqlValue } from "./sql_client.ts";
import { safeIntegerColumn } from "./safe_integer_column.ts";

/** Longest name kept (characters of presentation text; longer ones end in `…`). */
export const QUERY_LOG_NAME_MAX = 255;
/** Longest node name, outcome, transport or client text kept. */
export const QUERY_LOG_FIELD_MAX = 64;
/** Rows one INSERT carries (10 arguments each, far below SQLite's 32766). */
const INSERT_ROWS = 200;

/** One sampled query as a node records it. */
export interface QueryLogSample {
  /** unix milliseconds */
  tsMs: number;
  /** the question name, presentation form (escaped, RFC 1035 §5.1) */
  name: string;
  /** the question type; -1 when the question could not be read */
  qtype: number;
  /** the node's outcome label (`dmp_dns_queries_total{outcome}`) */
  outcome: string;
  /** the response code sent; -1 = no answer sent (dropped) */
  rcode: number;
  latencyUs: number;
  /** udp, tcp, dot or doh */
  transport: string;
  /** the client's network (`192.0.2.0/24`), never its address */
  client: string;
}

/** A stored sample. */
export interface QueryLogRow extends QueryLogSample {
  id: number;
  node: string;
}

/**
 * Text cut to `max` characters (whole UTF-16 code points), ending in `…` when cut.
 *
 * @example
 * ```ts
 * import { capText } from "./query_log.ts";
 * if (capText("abcdef", 4) !== "abc…" || capText("abc", 4) !== "abc") throw new Error();
 * ```
 */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Never split a surrogate pair.
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end) + "…";
}

function int(n: number, min: number, max: number): number {
  return Number.isFinite(n) ? Math.max(min, Math.min(max, Math.trunc(n))) : min;
}

/**
 * The batch a node writes: its samples, then the delete of its rows beyond
 * the newest `keep` (so the table never holds more than `keep` per node).
 *
 * @param node the node's name
 * @param samples new samples, oldest first
 * @param keep rows kept for this node
 * @returns statements to run as one write batch
 *
 * @example
 * ```ts
 * import { queryLogAppendStatements } from "./query_log.ts";
 * const s = queryLogAppendStatements("n1", [{ tsMs: 1, name: "a.example", qtype: 1,
 *   outcome: "noerror", rcode: 0, latencyUs: 12, transport: "udp", client: "192.0.2.0/24" }], 500);
 * if (s.length !== 2 || !s[1].sql.startsWith("DELETE")) throw new Error();
 * ```
 */
export function queryLogAppendStatements(
  node: string,
  samples: readonly QueryLogSample[],
  keep: number,
): SqlStatement[] {
  const n = capText(node, QUERY_LOG_FIELD_MAX);
  const out: SqlStatement[] = [];
  for (let i = 0; i < samples.length; i += INSERT_ROWS) {
    const chunk = samples.slice(i, i + INSERT_ROWS);
    const args: SqlValue[] = [];
    for (const s of chunk) {
      args.push(
        n,
        int(s.tsMs, 0, Number.MAX_SAFE_INTEGER),
        capText(s.name, QUERY_LOG_NAME_MAX),
        int(s.qtype, -1, 0xffff),
        capText(s.outcome, QUERY_LOG_FIELD_MAX),
        int(s.rcode, -1, 0xfff),
        int(s.latencyUs, 0, 3_600_000_000),
        capText(s.transport, QUERY_LOG_FIELD_MAX),
        capText(s.client, QUERY_LOG_FIELD_MAX),
      );
    }
    out.push({
      sql: `INSERT INTO query_log
              (node, ts_ms, name, qtype, outcome, rcode, latency_us, transport, client)
            VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
      args,
    });
  }
  out.push({
    sql: `DELETE FROM query_log WHERE node = ? AND id <=
            (SELECT id FROM query_log WHERE node = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    args: [n, n, int(keep, 0, 1_000_000)],
  });
  return out;
}

const COLUMNS = "node, name, outcome, transport, client, " +
  ["id", "ts_ms", "qtype", "rcode", "latency_us"].map((c) => safeIntegerColumn(c)).join(", ");

function toRow(r: Record<string, unknown>): QueryLogRow {
  return {
    id: Number(r.id),
    node: String(r.node),
    tsMs: Number(r.ts_ms),
    name: capText(String(r.name), QUERY_LOG_NAME_MAX),
    qtype: Number(r.qtype),
    outcome: String(r.outcome),
    rcode: Number(r.rcode),
    latencyUs: Number(r.latency_us),
    transport: String(r.transport),
    client: String(r.client),
  };
}

/**
 * Rows of the query log: newest first (a page, `beforeId` its cursor), or,
 * with `afterId`, the rows after that id oldest first (what a stream sends next).
 *
 * @param client the store
 * @param options node filter, cursor and page size
 * @returns the rows
 *
 * @example
 * ```ts ignore
 * const page = await listQueryLog(client, { limit: 100 });
 * const next = await listQueryLog(client, { afterId: page[0].id, limit: 100 });
 * ```
 */
export async function listQueryLog(
  client: SqlClient,
  options: { node?: string; beforeId?: number; afterId?: number; limit: number },
): Promise<QueryLogRow[]> {
  const where: string[] = [];
  const args: SqlValue[] = [];
  if (options.node !== undefined) {
    where.push("node = ?");
    args.push(options.node);
  }
  if (options.afterId !== undefined) {
    where.push("id > ?");
    args.push(options.afterId);
  } else if (options.beforeId !== undefined) {
    where.push("id < ?");
    args.push(options.beforeId);
  }
  args.push(int(options.limit, 1, 10_000));
  const r = await client.execute({
    sql: `SELECT ${COLUMNS} FROM query_log ${where.length ? "WHERE " + where.join(" AND ") : ""}
          ORDER BY id ${options.afterId !== undefined ? "ASC" : "DESC"} LIMIT ?`,
    args,
  });
  const out: QueryLogRow[] = [];
  for (let i = 0; i < r.rows.length; i++) out.push(toRow(r.rows[i]));
  return out;
}

/**
 * The nodes that have rows in the query log, by name, with their row count and newest sample.
 *
 * @example
 * ```ts ignore
 * for (const n of await listQueryLogNodes(client)) console.log(n.node, n.rows);
 * ```
 */
export async function listQueryLogNodes(
  client: SqlClient,
): Promise<{ node: string; rows: number; lastTsMs: number }[]> {
  const r = await client.execute(
    "SELECT node, COUNT(*) AS n, MAX(ts_ms) AS last FROM query_log GROUP BY node ORDER BY node LIMIT 1000",
  );
  const out = [];
  for (let i = 0; i < r.rows.length; i++) {
    const row = r.rows[i];
    out.push({ node: String(row.node), rows: Number(row.n), lastTsMs: Number(row.last) });
  }
  return out;
}
