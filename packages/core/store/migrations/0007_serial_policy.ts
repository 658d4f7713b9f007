/**
 * Migration 7: a serial policy per zone (issue 11: `increment`, `unixtime` or
 * `dateserial`, see `zone/serial.ts`). Existing zones keep the time-based
 * serials they always had.
 *
 * This module is browser compatible.
 * @module
 */

/** Statements of schema version 7. */
export const MIGRATION_0007: readonly string[] = [
  `ALTER TABLE zones ADD COLUMN serial_policy TEXT NOT NULL DEFAULT 'unixtime'
    CHECK (serial_policy IN ('increment', 'unixtime', 'dateserial'))`,
];
