/**
 * Rate-limit checks at the HTTP edge (brief §1.8), backed by the shared
 * `rate_buckets` table so limits hold across isolates and processes. Keys are
 * namespaced: `ip:` records, `reg:` registration, `tok:` user tokens.
 *
 * @module
 */

import { takeRateToken } from "../../../../packages/core/store/rate_buckets.ts";
import type { ResolvedDeps } from "../../app_deps.ts";

/**
 * Takes one token from bucket `key`; false when over the limit.
 *
 * @param deps store, clock and randomness
 * @param options the key and its rate/burst
 * @returns whether the request may proceed
 */
export async function allowRequest(
  deps: ResolvedDeps,
  options: { key: string; rate: number; burst: number },
): Promise<boolean> {
  return await takeRateToken(deps.client, {
    ...options,
    nowMs: deps.clock(),
    // Only fixed-limit buckets purge: token buckets carry per-token rates.
    purgeDraw: options.key.startsWith("tok:") ? undefined : deps.random(1)[0] / 256,
  });
}
