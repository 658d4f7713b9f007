/**
 * Group commit for UPDATE writes. While one batch is in flight to the primary,
 * the UPDATEs that arrive queue up; when it returns, all of them go out as one
 * atomic libSQL batch, then the touched names are re-read once and patched
 * into the zone index. One round trip and one transaction serve many
 * messages, which is what makes a remote primary keep up.
 *
 * Each message stays all-or-nothing: if the combined batch trips a cap (the
 * in-transaction guard of `applyRecordChanges`), the group is retried one
 * message at a time so only the offending message is refused. Any other
 * failure means nothing was written (the batch is one transaction), and every
 * message of the group gets the error.
 *
 * @module
 */

import { CapExceededError, type RecordChange } from "../../../packages/core/store/records.ts";

interface Pending {
  changes: RecordChange[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Queues change sets and commits them in groups. */
export class GroupCommitter {
  #pending: Pending[] = [];
  #draining = false;
  #apply: (changes: RecordChange[]) => Promise<void>;
  #afterCommit: (changes: RecordChange[]) => Promise<void>;
  #maxGroup: number;

  /**
   * @param apply writes one atomic batch (throws CapExceededError when a cap would break)
   * @param afterCommit runs once per committed group (read-your-writes); its errors are not the writers'
   */
  constructor(
    apply: (changes: RecordChange[]) => Promise<void>,
    afterCommit: (changes: RecordChange[]) => Promise<void>,
    maxGroup = 256,
  ) {
    this.#apply = apply;
    this.#afterCommit = afterCommit;
    this.#maxGroup = maxGroup;
  }

  /** Resolves once `changes` are committed and visible in the index; rejects as `apply` would. */
  submit(changes: RecordChange[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ changes, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#pending.length > 0) {
        const group = this.#pending.splice(0, this.#maxGroup);
        const committed: Pending[] = [];
        try {
          await this.#apply(group.flatMap((p) => p.changes));
          committed.push(...group);
        } catch (e) {
          if (e instanceof CapExceededError && group.length > 1) {
            for (const p of group) {
              try {
                await this.#apply(p.changes);
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
          await this.#afterCommit(committed.flatMap((p) => p.changes));
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
