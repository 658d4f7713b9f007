/**
 * A replica's client of its primary on two long-lived Hrana streams over one
 * WebSocket. sqld gives every Hrana stream a SQLite connection of its own,
 * and `@libsql/client` opens a stream for each `execute()` and `batch()` and
 * closes it after: each group commit and the read of its rows that follows
 * cost the primary two connections (the WAL file opened, the schema read,
 * every statement prepared anew). Here write batches go on one stream and
 * every other call on the other: sqld runs a stream's requests one after the
 * other, and a read-back queued behind the next group commit (or the reverse)
 * made UPDATEs wait (`bench/README.md`).
 *
 * @module
 */

import * as hrana from "@libsql/hrana-client";
import { LibsqlBatchError, LibsqlError } from "@libsql/client";
import type { SqlClient, SqlResult, SqlStatement } from "../../packages/core/store/sql_client.ts";

/**
 * A connection is replaced after this long, as `@libsql/client` does: a
 * WebSocket held for hours through proxies and load balancers (Turso) is the
 * one most likely to be dropped unseen.
 */
export const MAX_CONNECTION_AGE_MS = 60_000;

/** libSQL's BEGIN for each batch mode (`transactionModeToBegin`). */
const BEGIN = {
  write: "BEGIN IMMEDIATE",
  read: "BEGIN TRANSACTION READONLY",
  deferred: "BEGIN DEFERRED",
} as const;

/** A result with its column names, as `@libsql/client` gives one. */
export type StreamResult = SqlResult & { columns: string[] };

interface Connection {
  client: hrana.WsClient;
  /** write batches */
  writes: hrana.WsStream;
  /** everything else */
  reads: hrana.WsStream;
  openedAt: number;
  /** calls sent and not yet answered */
  pending: number;
}

/** A {@linkcode SqlClient} of a primary whose calls share two Hrana streams. */
export class PrimaryStreamClient implements SqlClient {
  readonly #url: string;
  readonly #authToken: string | undefined;
  readonly #maxAgeMs: number;
  #conn: Connection | undefined;

  /**
   * @param wsUrl the primary's `ws(s)://` URL
   * @param authToken its token
   * @param maxAgeMs when a connection is replaced ({@linkcode MAX_CONNECTION_AGE_MS})
   */
  constructor(wsUrl: string, authToken: string | undefined, maxAgeMs = MAX_CONNECTION_AGE_MS) {
    this.#url = wsUrl;
    this.#authToken = authToken;
    this.#maxAgeMs = maxAgeMs;
  }

  /** One statement, outside a transaction. */
  async execute(stmt: SqlStatement | string): Promise<StreamResult> {
    const conn = this.#connection(Date.now());
    conn.pending++;
    try {
      return resultOf(await conn.reads.query(toStmt(stmt)));
    } catch (e) {
      throw asLibsqlError(e);
    } finally {
      this.#done(conn);
    }
  }

  /** The statements in one transaction: all apply, or none (`@libsql/client`'s `batch`). */
  async batch(
    stmts: (SqlStatement | string)[],
    mode: "write" | "read" | "deferred",
  ): Promise<StreamResult[]> {
    const conn = this.#connection(Date.now());
    conn.pending++;
    try {
      const stream = mode === "write" ? conn.writes : conn.reads;
      return await runBatch(conn.client, stream, stmts, BEGIN[mode]);
    } catch (e) {
      throw asLibsqlError(e);
    } finally {
      this.#done(conn);
    }
  }

  /** Closes the connection; calls in flight fail. */
  close(): void {
    this.#conn?.client.close();
    this.#conn = undefined;
  }

  /** The open connection, or a new one when it is closed, broken or old. */
  #connection(now: number): Connection {
    const conn = this.#conn;
    if (
      conn && !conn.client.closed && !conn.writes.closed && !conn.reads.closed &&
      now - conn.openedAt < this.#maxAgeMs
    ) {
      return conn;
    }
    if (conn && conn.pending === 0) conn.client.close();
    const client = hrana.openWs(this.#url, this.#authToken);
    const writes = client.openStream();
    const reads = client.openStream();
    writes.intMode = reads.intMode = "number";
    return this.#conn = { client, writes, reads, openedAt: now, pending: 0 };
  }

  /** Closes a replaced connection once its last call is answered. */
  #done(conn: Connection): void {
    conn.pending--;
    if (conn !== this.#conn && conn.pending === 0) conn.client.close();
  }
}

/**
 * `@libsql/client`'s `executeHranaBatch`: BEGIN, each statement only if the
 * one before succeeded, COMMIT, and ROLLBACK unless the COMMIT succeeded, so
 * the stream is left outside a transaction whatever failed.
 */
async function runBatch(
  client: hrana.WsClient,
  stream: hrana.WsStream,
  stmts: (SqlStatement | string)[],
  begin: string,
): Promise<StreamResult[]> {
  const version = await client.getVersion();
  const batch = stream.batch(version >= 3);
  const beginStep = batch.step();
  const beginDone = beginStep.run(begin);
  let last = beginStep;
  const pending = stmts.map((s) => {
    const step = batch.step().condition(hrana.BatchCond.ok(last));
    // Hrana 3: a statement whose failure ended the transaction stops the rest.
    if (version >= 3) step.condition(hrana.BatchCond.not(hrana.BatchCond.isAutocommit(batch)));
    last = step;
    return step.query(toStmt(s));
  });
  const commit = batch.step().condition(hrana.BatchCond.ok(last));
  if (version >= 3) commit.condition(hrana.BatchCond.not(hrana.BatchCond.isAutocommit(batch)));
  const commitDone = commit.run("COMMIT");
  batch.step().condition(hrana.BatchCond.not(hrana.BatchCond.ok(commit))).run("ROLLBACK")
    .catch(() => undefined);
  await batch.execute();
  await beginDone;
  const out: StreamResult[] = [];
  for (let i = 0; i < pending.length; i++) {
    let rows;
    try {
      rows = await pending[i];
    } catch (e) {
      // The store names the failed write by the statement's index (`update_write.ts`).
      const mapped = asLibsqlError(e);
      throw new LibsqlBatchError(mapped.message, i, mapped.code, undefined, undefined, mapped);
    }
    if (rows === undefined) {
      throw new LibsqlBatchError(
        "Statement in a batch was not executed, probably because the transaction has been rolled back",
        i,
        "TRANSACTION_CLOSED",
      );
    }
    out.push(resultOf(rows));
  }
  await commitDone;
  return out;
}

function toStmt(s: SqlStatement | string): hrana.Stmt {
  if (typeof s === "string") return new hrana.Stmt(s);
  const stmt = new hrana.Stmt(s.sql);
  if (s.args) stmt.bindIndexes(s.args as hrana.InValue[]);
  return stmt;
}

function resultOf(r: hrana.RowsResult): StreamResult {
  return {
    columns: r.columnNames.map((c) => c ?? ""),
    rows: r.rows as unknown as Record<string, unknown>[],
    rowsAffected: r.affectedRowCount,
    lastInsertRowid: r.lastInsertRowid,
  };
}

/** `@libsql/client`'s error for a Hrana one (`mapHranaError`): the message, and the SQLite code. */
function asLibsqlError(e: unknown): LibsqlError {
  if (e instanceof LibsqlError) return e;
  if (e instanceof hrana.ResponseError && e.code !== undefined) {
    return new LibsqlError(e.message, e.code, undefined, undefined, e);
  }
  const cause = e instanceof Error ? e : undefined;
  const code = e instanceof hrana.ClientError ? "HRANA_" + e.name.toUpperCase() : "UNKNOWN";
  return new LibsqlError(String(cause?.message ?? e), code, undefined, undefined, cause);
}
