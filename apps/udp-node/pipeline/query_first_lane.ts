/**
 * The lane the DNS thread's heavier async work waits in, so queries go first.
 *
 * An UPDATE costs the DNS thread tens of microseconds of synchronous work
 * (decode, TSIG verify, decide; after its commit, sign and send), while a
 * query is answered in about a microsecond. A saturating writer keeps ~100
 * UPDATEs in the socket queue, and a group commit completes ~100 of them at
 * once: run back to back, that work holds the loop for milliseconds, and a
 * query that arrives meanwhile waits for all of it. Here each piece of that
 * work takes its own turn, one per event-loop iteration (`setImmediate`), and
 * between two turns the loop polls the sockets and answers what arrived. A
 * query then waits behind one UPDATE's work at most. Throughput does not
 * suffer: a turn with nothing to poll costs one non-blocking poll.
 *
 * @module
 */

/** Schedules a callback for the next event-loop iteration, after the loop's I/O poll. */
export type NextIteration = (run: () => void) => void;

const afterPoll: NextIteration = (run) => {
  setImmediate(run);
};

/** A FIFO of turns, one granted per event-loop iteration. */
export class QueryFirstLane {
  #waiting: (() => void)[] = [];
  #head = 0;
  #scheduled = false;
  #next: NextIteration;

  /** @param next how to reach the next loop iteration; injected for tests */
  constructor(next: NextIteration = afterPoll) {
    this.#next = next;
  }

  /** Callers still waiting for their turn. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  /**
   * Resolves on the caller's turn: the caller's synchronous work that follows (up to its next
   * `await` of real I/O) runs before the loop polls the sockets again.
   */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      if (!this.#scheduled) {
        this.#scheduled = true;
        this.#next(this.#grant);
      }
    });
  }

  #grant = (): void => {
    const waiting = this.#waiting;
    const resolve = waiting[this.#head++];
    if (this.#head === waiting.length) {
      waiting.length = 0;
      this.#head = 0;
      this.#scheduled = false;
    } else {
      // A lane that never empties drops its granted head now and then, not on every turn.
      if (this.#head >= 1024 && this.#head * 2 >= waiting.length) {
        waiting.splice(0, this.#head);
        this.#head = 0;
      }
      this.#next(this.#grant);
    }
    resolve();
  };
}
