/**
 * Raw reads of a local database file for the storage worker's bulk zone
 * load, on a read-only connection of its own: a statement's rows come back
 * as one JSON array that SQLite builds (`json_group_array`) and V8 parses,
 * each row an array of its values in column order, numbers as numbers.
 *
 * Why: through `@libsql/client` 100k rows cost 0.76 s, mostly row objects
 * (every value defined twice, integers as BigInt); through `libsql`'s raw
 * statement mode 0.35 s, nearly all of it the binding making each row's
 * values (the SQL itself takes 20 ms); as JSON 0.25 s (issue 15, start-up).
 * JSON holds no BLOB (SQLite refuses one) and no integer past 2^53 exactly:
 * the zone load reads neither.
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
  // One parameter array per statement: `all(args)` binds its values in order. Rows come in the
  // order the aggregate reads them, which SQL does not promise: callers must not rely on it.
  return {
    rows(stmt) {
      let s = statements.get(stmt.sql);
      if (!s) {
        const columns = db.prepare(stmt.sql).columns()
          .map((c: { name: string }) => `"${c.name.replaceAll('"', '""')}"`);
        s = db.prepare(
          `SELECT json_group_array(json_array(${columns.join(", ")})) FROM (${stmt.sql})`,
        );
        s.raw(true);
        statements.set(stmt.sql, s);
      }
      const [[json]] = s.all(stmt.args) as [[string]];
      return JSON.parse(json);
    },
    close: () => db.close(),
  };
}
