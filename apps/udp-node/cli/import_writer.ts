/**
 * The write side of `dmp zone import` on a `file:` database: one SQLite
 * transaction on its own `libsql` connection, each distinct statement
 * prepared once and run for every batch that has the same text.
 *
 * Why not the `@libsql/client` transaction: it prepares every statement
 * anew and leaves the compiled statement to the garbage collector, and V8
 * does not see that native memory, so a 100k-record import (700 multi-row
 * INSERTs of 200 rows each) held every compiled statement at once: 500 MB
 * peak RSS (issue 15). `ChangeBatch` packs full batches with identical
 * text, so the cache here holds a handful of statements.
 *
 * @module
 */

import Database from "libsql";
import type { SqlStatement } from "../../../packages/core/store/sql_client.ts";
import type { SqlTransaction } from "../../../packages/core/store/records.ts";
import { FILE_BUSY_TIMEOUT_MS } from "../../../packages/core/store/file_database.ts";

/** Opens a write transaction; {@linkcode ImportWriter.close} releases the connection. */
export interface ImportWriter {
  transaction(mode: "write"): Promise<SqlTransaction>;
  close(): void;
}

/** Statements prepared at most, then the cache starts over (bounded memory). */
const MAX_PREPARED = 16;

/** An {@linkcode ImportWriter} for `url` when it is a plain `file:` database, else undefined. */
export function openImportWriter(url: string): ImportWriter | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = url.slice("file:".length).split("?")[0];
  const db = new Database(path);
  db.exec(`PRAGMA busy_timeout = ${FILE_BUSY_TIMEOUT_MS}`);
  const prepared = new Map<string, ReturnType<typeof db.prepare>>();
  const statementFor = (sql: string) => {
    let st = prepared.get(sql);
    if (!st) {
      if (prepared.size >= MAX_PREPARED) prepared.clear();
      st = db.prepare(sql);
      prepared.set(sql, st);
    }
    return st;
  };
  return {
    transaction: () => {
      // IMMEDIATE: take the write lock now, as the client's "write" transactions do.
      db.exec("BEGIN IMMEDIATE");
      let open = true;
      return Promise.resolve({
        batch(stmts: SqlStatement[]) {
          // A failure rejects (as the client's batch does); the caller's close() rolls back.
          try {
            for (const s of stmts) {
              const args = (s.args ?? []).map((v) =>
                typeof v === "boolean"
                  ? (v ? 1 : 0)
                  : v instanceof ArrayBuffer
                  ? new Uint8Array(v)
                  : v
              );
              statementFor(s.sql).run(args);
            }
            return Promise.resolve();
          } catch (e) {
            return Promise.reject(e);
          }
        },
        commit() {
          db.exec("COMMIT");
          open = false;
          return Promise.resolve();
        },
        close() {
          if (open) {
            open = false;
            db.exec("ROLLBACK");
          }
        },
      });
    },
    close() {
      prepared.clear();
      db.close();
    },
  };
}
