/**
 * Raw-mode reads of a local database file for the storage worker's bulk
 * zone load: `libsql`'s statement API returning rows as arrays (numbers as
 * numbers), on a read-only connection of its own. Through `@libsql/client`
 * the same 100k rows cost 0.76 s, mostly row objects (every value defined
 * twice, integers as BigInt); raw, 0.40 s (`bench/README.md`, node_start).
 *
 * @module
 */

import Database from "libsql";
import type { RawRows } from "../../../packages/core/store/records.ts";

/** A read-only raw connection; `close()` it after the load. */
export interface RawReader {
  rows: RawRows;
  close(): void;
}

/**
 * Opens `url` read-only for raw reads when it is a local file (a `file:`
 * database, or a replica's local file); undefined for remote databases,
 * which keep the client path.
 */
export function openRawReader(url: string): RawReader | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = decodeURIComponent(url.slice("file:".length).split("?")[0]);
  const db = new Database(path, { readonly: true });
  const statements = new Map<string, ReturnType<typeof db.prepare>>();
  // One parameter array per statement: `all(args)` binds its values in order.
  return {
    rows(stmt) {
      let s = statements.get(stmt.sql);
      if (!s) {
        s = db.prepare(stmt.sql);
        s.raw(true);
        statements.set(stmt.sql, s);
      }
      return s.all(stmt.args) as unknown[][];
    },
    close: () => db.close(),
  };
}
