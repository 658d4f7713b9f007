/**
 * The first sync of a new embedded replica, retried until a deadline.
 *
 * A new replica has nothing to serve until its first sync has fetched the
 * primary's database. That sync can fail for a moment while the primary is
 * healthy: sqld answers `snapshot not found` when a replica asks for a
 * snapshot that its log compaction is merging (5 of 18 first syncs right
 * after a compaction failed so in a probe loading sqld as `bench/node_start`
 * does), and a retry 200 ms later succeeds, resuming from the frames
 * already fetched. Giving up at the first error would leave the node serving
 * an empty replica until its next sync.
 *
 * @module
 */

import { withTimeout } from "./with_timeout.ts";

/** What the first sync of a new replica retries, and for how long. */
export interface NewReplicaSyncOptions {
  /** total time for every attempt together, ms */
  deadlineMs: number;
  /** pause between a failed attempt and the next, ms */
  retryMs: number;
  /** told of each failed attempt that will be retried */
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs `sync` until it succeeds or `deadlineMs` has passed; resolves with the
 * number of attempts, rejects with the last attempt's error (or
 * {@linkcode SyncDeadlineError} when an attempt outlives the deadline).
 *
 * @example
 * ```ts ignore
 * await syncNewReplica(() => db.sync(), { deadlineMs: 10_000, retryMs: 200 });
 * ```
 */
export async function syncNewReplica(
  sync: () => Promise<unknown>,
  options: NewReplicaSyncOptions,
): Promise<number> {
  const deadline = Date.now() + options.deadlineMs;
  for (let attempt = 1;; attempt++) {
    try {
      await withTimeout(
        sync(),
        deadline - Date.now(),
        () => new SyncDeadlineError(options.deadlineMs),
      );
      return attempt;
    } catch (e) {
      if (Date.now() + options.retryMs >= deadline || e instanceof SyncDeadlineError) throw e;
      options.onRetry?.(e, attempt);
      await new Promise((resolve) => setTimeout(resolve, options.retryMs));
    }
  }
}

/** An attempt still running when the deadline came. */
export class SyncDeadlineError extends Error {
  /** @param ms the deadline of all attempts together */
  constructor(ms: number) {
    super(`first replica sync still running after ${ms} ms`);
    this.name = "SyncDeadlineError";
  }
}
