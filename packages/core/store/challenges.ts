/**
 * Single use of registration challenges across isolates (brief §2.1, §2.2
 * step 5). The challenge itself is stateless (`registration/challenge.ts`);
 * the store only records which ones were consumed, until they expire. One
 * `INSERT … ON CONFLICT DO NOTHING` decides: exactly one of any number of
 * concurrent consumers, in any isolate, sees a row inserted.
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient } from "./sql_client.ts";

/**
 * Marks a challenge consumed; true only for the first consumer. Expired rows
 * are purged in the same transaction, so the table holds at most one
 * lifetime's worth of challenges.
 *
 * @param client the store
 * @param options the challenge (hex), its expiry and `now` in unix seconds
 * @returns true when this call consumed the challenge
 *
 * @example
 * ```ts ignore
 * if (!await consumeChallenge(client, { challengeHex, expiresAt, now })) return "reused";
 * ```
 */
export async function consumeChallenge(
  client: SqlClient,
  options: { challengeHex: string; expiresAt: number; now: number },
): Promise<boolean> {
  const res = await client.batch([
    {
      sql: "DELETE FROM registration_challenges WHERE expires_at <= ?",
      args: [Math.floor(options.now)],
    },
    {
      sql: `INSERT INTO registration_challenges (challenge, expires_at) VALUES (?, ?)
            ON CONFLICT (challenge) DO NOTHING`,
      args: [options.challengeHex.toLowerCase(), Math.floor(options.expiresAt)],
    },
  ], "write");
  return res[1].rowsAffected === 1;
}
