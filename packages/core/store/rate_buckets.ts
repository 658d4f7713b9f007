/**
 * Token buckets shared by every isolate and process (brief §1.8; issue 4:
 * "rate limits that hold across isolates"). Algorithm as the reference:
 * `tokens = min(burst, tokens + elapsed·rate)`, allow iff `tokens ≥ 1`, then
 * subtract one; new keys start full; disabled when `rate ≤ 0` or `burst ≤ 0`.
 *
 * The whole decision is one UPSERT with RETURNING: the row is updated only
 * when a token is available, so two isolates racing on one key cannot both
 * spend the last token (the primary serializes writes). The clock never
 * moves backwards for a key (`MAX(updated_ms, now)`), so skewed isolates
 * cannot mint refills. Rows idle long enough to be full again carry no
 * information and are purged now and then, keeping the table bounded by the
 * number of keys active within one refill period.
 *
 * This module is browser compatible.
 * @module
 */

import type { SqlClient, SqlStatement } from "./sql_client.ts";

/** A bucket's rate (tokens per second) and burst (capacity). */
export interface BucketLimits {
  rate: number;
  burst: number;
}

/**
 * Takes one token from the bucket `key`; false when it is empty.
 *
 * @param client the store
 * @param options the key, limits, `nowMs` and a [0, 1) random draw deciding an occasional purge
 * @returns whether the request may proceed
 *
 * @example
 * ```ts ignore
 * if (!await takeRateToken(client, { key: "ip:192.0.2.1", rate: 10, burst: 100, nowMs: Date.now() })) return 429;
 * ```
 */
export async function takeRateToken(
  client: SqlClient,
  options: BucketLimits & { key: string; nowMs: number; purgeDraw?: number },
): Promise<boolean> {
  const { rate, burst } = options;
  if (!(rate > 0) || !(burst > 0)) return true;
  const now = Math.floor(options.nowMs);
  const refill = `MIN(?, tokens + MAX(0, ? - updated_ms) * ? / 1000.0)`;
  const r = await client.execute({
    sql: `INSERT INTO rate_buckets (key, tokens, updated_ms) VALUES (?, ? - 1, ?)
          ON CONFLICT (key) DO UPDATE SET tokens = ${refill} - 1, updated_ms = MAX(updated_ms, ?)
          WHERE ${refill} >= 1
          RETURNING tokens`,
    args: [options.key, burst, now, burst, now, rate, now, burst, now, rate],
  });
  if ((options.purgeDraw ?? 1) < 0.01) {
    // A bucket untouched for burst/rate seconds is full again: same as no row.
    await client.execute({
      sql: "DELETE FROM rate_buckets WHERE key LIKE ? AND updated_ms < ?",
      args: [`${options.key.split(":")[0]}:%`, now - Math.ceil((burst / rate) * 1000)],
    });
  }
  return r.rows.length === 1;
}

/**
 * The statement that forgets a bucket (a revoked token's bucket, brief §7
 * "revoke clears the bucket").
 *
 * @param key the bucket key
 * @returns a DELETE statement
 *
 * @example
 * ```ts
 * import { clearRateBucketStatement } from "./rate_buckets.ts";
 * if (clearRateBucketStatement("tok:ab").args?.[0] !== "tok:ab") throw new Error();
 * ```
 */
export function clearRateBucketStatement(key: string): SqlStatement {
  return { sql: "DELETE FROM rate_buckets WHERE key = ?", args: [key] };
}
