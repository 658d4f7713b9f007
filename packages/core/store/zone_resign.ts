/**
 * The serial of a signed zone that secondaries transfer must move before the
 * signatures they hold run out (a secondary only transfers again when the
 * serial moves, RFC 1995 §2). The rule: in each {@linkcode RESIGN_PERIOD}
 * (7 days counted from the Unix epoch) a signed zone with a transfer policy
 * has at least one change; one without a change since the period began gets
 * its serial moved by its serial policy, with a journal entry so every node
 * serves the new serial and NOTIFY goes out. A transferred version is
 * signed for {@linkcode TRANSFER_SIGNATURE_VALIDITY} (21 days) from when it
 * is first transferred, so every version a secondary holds keeps at least
 * 14 days of valid signatures after its successor exists.
 *
 * A step of a key rollover (a key published, starting or stopping to sign,
 * removed: `lastKeyStep`) changes what a transfer carries too, so a zone
 * whose newest change is older than its latest key step gets its serial
 * moved the same way: secondaries publish a new key, and stop serving an
 * old one, within a sync of the step (the rollover waits include
 * `DMP_DNSSEC_PROPAGATION_DELAY` for this).
 *
 * The change time is the zone's newest journal entry, so the rule holds
 * across nodes and restarts; the write is conditional on that time, so two
 * nodes running it at once move the serial once.
 *
 * This module is browser compatible.
 * @module
 */

import { RESIGN_PERIOD } from "../dnssec/signed_zone.ts";
import { nextSerialSql } from "../zone/serial.ts";
import type { SqlClient } from "./sql_client.ts";

/** Start (Unix seconds) of the re-sign period holding `now`. */
export function resignPeriodStart(now: number): number {
  return Math.floor(now / RESIGN_PERIOD) * RESIGN_PERIOD;
}

/**
 * Moves the serial of `zone` when it has not changed since the current
 * period began, or since `keyStep` (its latest key step, 0 for none); returns
 * whether it moved.
 *
 * @example
 * ```ts ignore
 * if (await resignSerial(writer, "example.com", Date.now() / 1000)) console.log("serial moved");
 * ```
 */
export async function resignSerial(
  client: SqlClient,
  zone: string,
  now: number,
  keyStep = 0,
): Promise<boolean> {
  const t = Math.floor(now);
  // A change in the same second as the step counts as after it: turning signing on moves the
  // serial in the very write that publishes the keys, and needs no second move.
  const since = Math.max(resignPeriodStart(t), Math.floor(keyStep));
  // A zone whose entries since then were pruned (pruneJournal, after DMP_JOURNAL_KEEP newer
  // writes) looks unchanged: its serial moves once more than needed, which is harmless.
  const [update] = await client.batch([
    {
      sql: `UPDATE zones SET serial = ${nextSerialSql(t)}
            WHERE name = ? AND COALESCE((SELECT max(ts) FROM journal WHERE zone = ?), 0) < ?`,
      args: [zone, zone, since],
    },
    // The apex name re-reads the zone's meta (its serial) on every node (follow_journal.ts).
    {
      sql: "INSERT INTO journal (ts, zone, name) SELECT ?, ?, ? WHERE changes() > 0",
      args: [t, zone, zone],
    },
  ], "write");
  return update.rowsAffected > 0;
}
