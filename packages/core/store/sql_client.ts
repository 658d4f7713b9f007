/**
 * The slice of `@libsql/client` the store needs. Apps pass in a real client
 * (embedded `file:`, embedded replica, or remote `http(s)://`/`libsql://`);
 * core never opens connections itself.
 *
 * This module is browser compatible.
 * @module
 */

/** A value bound to or read from SQL. */
export type SqlValue = null | string | number | bigint | ArrayBuffer | Uint8Array | boolean;

/** One SQL statement with positional arguments. */
export interface SqlStatement {
  sql: string;
  args?: SqlValue[];
}

/** Rows of a result, accessed by column name. */
export interface SqlResult {
  rows: ArrayLike<Record<string, unknown>>;
  rowsAffected: number;
  lastInsertRowid?: bigint | undefined;
}

/** What the store calls: `execute` for reads and single writes, `batch` for atomic writes. */
export interface SqlClient {
  execute(stmt: SqlStatement | string): Promise<SqlResult>;
  /** Runs the statements in one transaction: all apply, or none (libSQL `batch` semantics). */
  batch(stmts: SqlStatement[], mode: "write" | "read" | "deferred"): Promise<SqlResult[]>;
}
