/**
 * A promise bounded in time.
 *
 * @module
 */

/**
 * Settles as `p` does, or rejects after `ms` with `timeoutError()` (by default
 * "timed out after N ms"). `p` itself is not cancelled: callers use this where
 * the work may go on but nobody should wait for it.
 *
 * @example
 * ```ts ignore
 * await withTimeout(db.sync(), 10_000);
 * ```
 */
export function withTimeout<T>(
  p: Promise<T>,
  ms: number,
  timeoutError: () => Error = () => new Error(`timed out after ${ms} ms`),
): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(timeoutError()), Math.max(0, ms));
    p.then((v) => {
      clearTimeout(t);
      resolve(v);
    }, (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}
