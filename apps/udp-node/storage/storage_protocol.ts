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
  | { id: number; op: "close" };

/** What "open" answers: how the database was opened (db_client.ts `DbHandle` without clients). */
export interface StorageOpened {
  kind: "file" | "replica" | "remote";
  /** the database URL (may hold a token: redact before logging) */
  url: string;
  replicaExisted?: boolean;
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
  | { id: number; ok: true; value: StorageOpened | WireResult | WireResult[] | null }
  | { id: number; ok: false; error: WireError };
