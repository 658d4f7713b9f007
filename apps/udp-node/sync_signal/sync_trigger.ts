/**
 * The pause between two sync ticks of a node, cut short by a change signal:
 * {@linkcode SyncTrigger.wait} sleeps for the poll interval unless
 * {@linkcode SyncTrigger.fire} is called first. A fire while no one waits
 * (a tick is running) is kept, so the next wait returns at once: a change
 * signalled during a tick is never lost until the next poll.
 *
 * A fire says why: `"signal"` (the primary moved: read it from there at once)
 * or `"own_writes"` (this node's own commits add up: the node has read them
 * from the primary already, only the replica's sync is due). Fires kept
 * between waits merge, and `"signal"` wins.
 *
 * @module
 */

/** Why a fire came. */
export type FireReason = "signal" | "own_writes";

/** Why a wait ended: the interval passed (`"poll"`), or the reason of the fire. */
export type WakeReason = "poll" | FireReason;

/** A wakeable sleep for the sync loop. */
export class SyncTrigger {
  #pending: FireReason | undefined;
  #wake: ((reason: FireReason) => void) | undefined;
  /** When (unix ms) the fire that ended the last wait came (for the DEBUG timing line). */
  firedAt: number | undefined;

  /**
   * Sleeps `ms`, or less if fired.
   *
   * @param ms the poll interval
   * @returns why the wait ended
   */
  wait(ms: number): Promise<WakeReason> {
    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      return Promise.resolve(pending);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve("poll");
      }, ms);
      this.#wake = (reason) => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(reason);
      };
    });
  }

  /** Ends the current wait now, or the next one at once when none is running. */
  fire(reason: FireReason = "signal"): void {
    this.firedAt = Date.now();
    if (this.#wake) this.#wake(reason);
    else if (this.#pending !== "signal") this.#pending = reason;
  }
}
