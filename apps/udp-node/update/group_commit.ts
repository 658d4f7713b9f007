/**
 * Group commit for UPDATE writes. While one batch is in flight to the primary,
 * the UPDATEs that arrive queue up; when it returns, all of them go out as one
 * atomic libSQL batch, then the touched names are re-read once and patched
 * into the zone index. One round trip and one transaction serve many
 * messages, which is what makes a remote primary keep up.
 *
 * Each message stays all-or-nothing: if the combined batch fails a check that
 * belongs to one message (a prerequisite, a quota, a cap or a replayed MAC,
 * all guarded inside the transaction), the group is retried one message at a
 * time so only the offending message is refused. Any other failure means
 * nothing was written (the batch is one transaction), and every message of
 * the group gets the error.
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
  #apply: (items: T[]) => Promise<void>;
  #afterCommit: (items: T[]) => Promise<void>;
  #isMessageFault: (e: unknown) => boolean;
  #maxGroup: number;

  /**
   * @param apply writes one atomic batch of messages
   * @param afterCommit runs once per committed group (read-your-writes); its errors are not the writers'
   * @param isMessageFault true for an error one message caused (retry the group one by one)
   */
  constructor(
    apply: (items: T[]) => Promise<void>,
    afterCommit: (items: T[]) => Promise<void>,
    isMessageFault: (e: unknown) => boolean,
    maxGroup = 256,
  ) {
    this.#apply = apply;
    this.#afterCommit = afterCommit;
    this.#isMessageFault = isMessageFault;
    this.#maxGroup = maxGroup;
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
        const group = this.#pending.splice(0, this.#maxGroup);
        const committed: Pending<T>[] = [];
        try {
          await this.#apply(group.map((p) => p.item));
          committed.push(...group);
        } catch (e) {
          if (this.#isMessageFault(e) && group.length > 1) {
            for (const p of group) {
              try {
                await this.#apply([p.item]);
                committed.push(p);
              } catch (one) {
                p.reject(one);
              }
            }
          } else {
            for (const p of group) p.reject(e);
          }
        }
        if (committed.length === 0) continue;
        try {
          await this.#afterCommit(committed.map((p) => p.item));
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
