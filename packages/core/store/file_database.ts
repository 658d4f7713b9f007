/**
 * Settings for an embedded `file:` database shared by several processes (the
 * local stack: edge API, udp-node and the `dmp` CLI on one file): WAL so
 * readers never block the writer, and a busy timeout so a writer waits for
 * another instead of failing with SQLITE_BUSY.
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient } from "./sql_client.ts";

/** How long a writer waits for another process's transaction, in milliseconds. */
export const FILE_BUSY_TIMEOUT_MS = 10_000;

/**
 * Applies the pragmas; call once after opening a `file:` client.
 *
 * @example
 * ```ts ignore
 * await prepareFileDatabase(client);
 * ```
 */
export async function prepareFileDatabase(client: SqlClient): Promise<void> {
  await client.execute(`PRAGMA busy_timeout = ${FILE_BUSY_TIMEOUT_MS}`);
  await client.execute("PRAGMA journal_mode = WAL");
}
