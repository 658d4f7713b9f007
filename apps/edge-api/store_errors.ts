/**
 * Telling "the store is unreachable" (503) from a bug (500) at the HTTP edge.
 * libSQL reports transport failures as fetch/socket errors or `LibsqlError`s
 * with connection codes; anything else is unexpected.
 *
 * @module
 */

const UNAVAILABLE =
  /fetch failed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|connection|network|socket|database is locked|SQLITE_BUSY|SERVER_ERROR|HRANA_WEBSOCKET|unable to open database/i;

/**
 * True when `e` looks like the store being unreachable or busy.
 *
 * @param e a thrown value
 * @returns whether to answer 503
 */
export function isStoreUnavailable(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur; depth++) {
    if (cur instanceof Error) {
      const code = (cur as Error & { code?: unknown }).code;
      if (UNAVAILABLE.test(`${cur.name} ${String(code ?? "")} ${cur.message}`)) return true;
      cur = cur.cause;
    } else {
      return false;
    }
  }
  return false;
}
