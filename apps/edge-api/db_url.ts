/**
 * The libSQL URL of the edge API: DMP_DB_URL, else `file:` + DMP_DB_PATH.
 *
 * @module
 */

import type { Config } from "../../packages/core/config/env.ts";

/**
 * Turns DMP_DB_URL / DMP_DB_PATH into a libSQL URL.
 *
 * @param c the config
 * @returns the URL
 */
export function edgeDatabaseUrl(c: Config): string {
  return c.DMP_DB_URL || `file:${c.DMP_DB_PATH}`;
}
