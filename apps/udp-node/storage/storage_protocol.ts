/**
 * The messages between the DNS thread and the storage worker
 * ({@linkcode ./storage_worker.ts}, {@linkcode ./storage_client.ts}). Every
 * message is structured-clone data: SQL arguments and results cross as plain
 * arrays (column names once per result, each row as an array of values), so
 * the same messages work over `node:worker_threads` and a Deno/Web `Worker`.
 *
 * @module
 */

import type { Config } from "../../../packages/core/config/env.ts";
import type { SqlStatement } from "../../../packages/core/store/sql_client.ts";
import type { IndexPatch } from "../zone_index/index_patch.ts";
import type { QueryLogSample } from "../../../packages/core/store/query_log.ts";

/** Marks a worker started as the storage worker (`workerData.name` in Node, the worker's name in Deno). */
export const STORAGE_WORKER_NAME = "dmp-storage";

/** Which connection a statement goes to: the node's own database, or the primary (writes). */
export type StorageTarget = "reader" | "writer";

/** A request from the DNS thread; `id` pairs it with its {@linkcode StorageReply}. */
export type StorageRequest =
  | { id: number; op: "open"; config: Config }
  | { id: number; op: "execute"; target: StorageTarget; stmt: SqlStatement }
  | {
    id: number;
    op: "batch";
    target: StorageTarget;
    stmts: SqlStatement[];
    mode: "write" | "read" | "deferred";
  }
  | { id: number; op: "sync" }
  /**
   * the first full load of the index; with `progress`, the worker posts a
   * {@linkcode StorageProgress} per page of rows it reads (250 for 100k records, which woke the
   * DNS thread for nothing when no terminal showed them: issue 15, start-up)
   */
  | { id: number; op: "load_index"; now: number; progress: boolean }
  /** where this worker's journal follower stands: {@linkcode FollowerState} */
  | { id: number; op: "follower_state" }
  /**
   * the journal since the last load or catch-up, as index patches; `primary`: read it from a
   * replica's primary (the change signal's fast path, `JournalFollower.catchUp`)
   */
  | { id: number; op: "catch_up"; now: number; primary?: boolean }
  /** the query log's new samples, appended and the node's rows pruned to `keep` (query_log/) */
  | { id: number; op: "query_log_append"; node: string; samples: QueryLogSample[]; keep: number }
  /** TSIG keys' last successful verification, coalesced (update/tsig_last_used.ts) */
  | { id: number; op: "tsig_last_used"; uses: { name: string; ts: number }[] }
  /**
   * a new worker (restarted after a crash, or replacing the one that did the first load):
   * follow the journal from `seq`, where the DNS thread's index is (its catch-ups then send
   * only what changed since, not the whole zone again)
   */
  | { id: number; op: "resume"; seq: number; zones: string[] }
  /** tests only: the worker throws an uncaught error, as a native fault would end it */
  | { id: number; op: "crash" }
  | { id: number; op: "close" };

/** What "open" answers: how the database was opened (db_client.ts `DbHandle` without clients). */
export interface StorageOpened {
  kind: "file" | "replica" | "remote";
  /** the database URL (may hold a token: redact before logging) */
  url: string;
  replicaExisted?: boolean;
  /** for replicas: how writes reach the primary */
  writerTransport?: "websocket" | "http";
}

/** What "load_index" and "catch_up" answer. */
export interface IndexPatches {
  patches: IndexPatch[];
  /** the journal sequence the index is at once the patches are applied */
  seq: number;
  /** journal entries applied (catch_up) */
  applied: number;
}

/** What "follower_state" answers and "resume" takes. */
export interface FollowerState {
  seq: number;
  /** the zones the DNS thread's index holds */
  zones: string[];
}

/** Sent before the reply of a "load_index": records read so far. */
export interface StorageProgress {
  id: number;
  progress: number;
}

/** One SQL result as plain data. */
export interface WireResult {
  columns: string[];
  rows: unknown[][];
  rowsAffected: number;
  lastInsertRowid?: bigint;
}

/** An error as plain data: what the store's error classifiers look at (message, code, index). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  /** libSQL's index of the failing statement of a batch (update_write.ts uses it) */
  statementIndex?: number;
}

/** The worker's answer to one request. */
export type StorageReply =
  | {
    id: number;
    ok: true;
    value: StorageOpened | WireResult | WireResult[] | IndexPatches | FollowerState | null;
  }
  | { id: number; ok: false; error: WireError };
