/**
 * The pause between two sync ticks of a node, cut short by a change signal:
 * {@linkcode SyncTrigger.wait} sleeps for the poll interval unless
 * {@linkcode SyncTrigger.fire} is called first. A fire while no one waits
 * (a tick is running) is kept, so the next wait returns at once: a change
 * signalled during a tick is never lost until the next poll.
 *
 * @module
 */

/** A wakeable sleep for the sync loop. */
export class SyncTrigger {
  #pending = false;
  #wake: (() => void) | undefined;
  /** When (unix ms) the fire that ended the last wait came (for the DEBUG timing line). */
  firedAt: number | undefined;

  /**
   * Sleeps `ms`, or less if fired.
   *
   * @param ms the poll interval
   * @returns whether the wait ended because of a fire (else the interval passed)
   */
  wait(ms: number): Promise<boolean> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve(false);
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(true);
      };
    });
  }

  /** Ends the current wait now, or the next one at once when none is running. */
  fire(): void {
    this.firedAt = Date.now();
    if (this.#wake) this.#wake();
    else this.#pending = true;
  }
}
