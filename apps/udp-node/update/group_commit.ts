/**
 * Group commit for UPDATE writes. While one batch is in flight to the primary,
 * the UPDATEs that arrive queue up; when it returns, all of them go out as one
 * atomic libSQL batch, then the touched names are re-read once and patched
 * into the zone index. One round trip and one transaction serve many
 * messages, which is what makes a remote primary keep up.
 *
 * Each message stays all-or-nothing: if the combined batch fails a check that
 * belongs to one message (a prerequisite, a quota, a cap or a replayed MAC,
 * all guarded inside the transaction), that message is refused and the rest
 * of the group goes again as one batch; when the error does not say which
 * message failed, the group is retried one message at a time. Either way only
 * the offending message is refused, and a hostile writer's failing messages
 * cost one extra round trip each, not one per message of the group. Any other
 * failure means nothing was written (the batch is one transaction), and every
 * message of the group gets the error.
 *
 * Groups start at least `minInterval` ms apart while writes keep coming (a
 * group goes at once when the last one started longer ago, or when a full
 * group is already waiting as the last commit ends). A commit costs a few
 * milliseconds of CPU whatever its size (the transaction, the primary's
 * replication log, the journal read that follows), so at a steady few
 * hundred UPDATEs/s back-to-back groups of a handful each
 * kept the node's core busy: 800 UPDATEs/s took 91% of a core on `file:`
 * and 97% with a replica and its primary on one core, 38% and 76% with 10 ms
 * (`bench/README.md`). An idle node answers its first UPDATE as fast as
 * before; under load an UPDATE waits up to `minInterval` more.
 *
 * @module
 */

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Queues writes (one per message) and commits them in groups. */
export class GroupCommitter<T> {
  #pending: Pending<T>[] = [];
  #draining = false;
  #apply: (items: T[]) => Promise<number>;
  #afterCommit: (items: T[], mark: number) => Promise<void>;
  #fault: (e: unknown) => number | undefined | null;
  #maxGroup: number;
  #minInterval: number;
  #sleep: (ms: number) => Promise<void>;
  /** when the last group started (ms, `performance.now()` time) */
  #lastStart = -Infinity;

  /**
   * @param apply writes one atomic batch of messages; returns a mark of how far the store got
   *   (the journal position), which grows with every commit
   * @param afterCommit runs once per committed group with the highest mark of its commits
   *   (read-your-writes); its errors are not the writers'
   * @param fault for an error one message caused, that message's index in the group, or
   *   undefined when the error does not say which (retry one by one); null for any other error
   * @param options `maxGroup` (256): most messages in one group; `minInterval` (0): least ms
   *   between the starts of two groups while writes keep coming; `sleep`: injected for tests
   */
  constructor(
    apply: (items: T[]) => Promise<number>,
    afterCommit: (items: T[], mark: number) => Promise<void>,
    fault: (e: unknown) => number | undefined | null,
    options: { maxGroup?: number; minInterval?: number; sleep?: (ms: number) => Promise<void> } =
      {},
  ) {
    this.#apply = apply;
    this.#afterCommit = afterCommit;
    this.#fault = fault;
    this.#maxGroup = options.maxGroup ?? 256;
    this.#minInterval = options.minInterval ?? 0;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Resolves once `item` is committed and visible in the index; rejects as `apply` would. */
  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#pending.length > 0) {
        const wait = this.#lastStart + this.#minInterval - performance.now();
        if (wait > 0 && this.#pending.length < this.#maxGroup) await this.#sleep(wait);
        this.#lastStart = performance.now();
        let group = this.#pending.splice(0, this.#maxGroup);
        const committed: Pending<T>[] = [];
        let mark = 0;
        while (group.length > 0) {
          try {
            mark = Math.max(mark, await this.#apply(group.map((p) => p.item)));
            committed.push(...group);
            break;
          } catch (e) {
            const culprit = this.#fault(e);
            if (culprit === null || group.length === 1) {
              for (const p of group) p.reject(e);
              break;
            }
            if (culprit !== undefined && culprit >= 0 && culprit < group.length) {
              group[culprit].reject(e);
              group = group.filter((_, i) => i !== culprit);
              continue;
            }
            for (const p of group) {
              try {
                mark = Math.max(mark, await this.#apply([p.item]));
                committed.push(p);
              } catch (one) {
                p.reject(one);
              }
            }
            break;
          }
        }
        if (committed.length === 0) continue;
        try {
          await this.#afterCommit(committed.map((p) => p.item), mark);
        } catch {
          // The write is durable; the sync loop will bring the index up to date.
        }
        for (const p of committed) p.resolve();
      }
    } finally {
      this.#draining = false;
    }
  }
}
