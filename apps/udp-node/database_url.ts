/**
 * The node's database URL: from config, and with its secrets hidden for logs
 * and messages. Apart from `db_client.ts` so that what only needs the URL
 * (the DNS thread, the secret key file) does not load the libSQL client,
 * 80 ms of a node's start (issue 15, start-up).
 *
 * @module
 */

import type { Config } from "../../packages/core/config/env.ts";

/** Turns DMP_DB_URL / DMP_DB_PATH into a libSQL URL. */
export function databaseUrl(c: Config): string {
  if (c.DMP_DB_URL) return c.DMP_DB_URL;
  return `file:${c.DMP_DB_PATH}`;
}

/**
 * `url` (or a message quoting URLs) with its secrets hidden, for logs and
 * messages: `authToken`/`token` query parameters and the password of `user:password@`.
 */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/(authToken|token)=[^&]+/gi, "$1=[redacted]").replace(
    /\b([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^/@\s]*@/gi,
    "$1:[redacted]@",
  );
}
