/**
 * One reader of the journal head for every held `/v1/sync/journal-head`
 * request of an edge process (issue 15 item 6). Before, each held request
 * read the head on its own every 50 ms, so N subscribed nodes cost N reads
 * per interval at the primary and N timers at the edge, and under load a
 * request's next read queued behind the others'. Now one loop reads while
 * anyone waits and answers every waiter the head passed; a new waiter, or a
 * write committed through this edge ({@linkcode kickOnWrites}), makes it read
 * at once instead of at the next tick.
 *
 * This module is runtime-neutral (timers only).
 * @module
 */

import type { SqlClient, SqlStatement } from "../../../../packages/core/store/sql_client.ts";

interface Waiter {
  after: number;
  resolve(head: number): void;
  fail(e: unknown): void;
}

/** The shared head reader; see the module doc. */
export class JournalHeadWatch {
  #read: () => Promise<number>;
  #intervalMs: number;
  #waiters = new Set<Waiter>();
  #running = false;
  #kicked = false;
  #wake: (() => void) | undefined;
  #head = 0;

  /**
   * @param read reads the journal head (one indexed MAX() at the store)
   * @param intervalMs the pause between two reads while anyone waits
   */
  constructor(read: () => Promise<number>, intervalMs: number) {
    this.#read = read;
    this.#intervalMs = intervalMs;
  }

  /** Requests waiting now (for tests and metrics). */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * The journal head once it is past `after`, or the last head read when
   * `signal` aborts (the hold's deadline or the client gone). The first read
   * for a new waiter starts after it arrived, so a head committed before the
   * request is never missed. Rejects when a read fails.
   */
  waitPast(after: number, signal: AbortSignal): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const done = () => {
        this.#waiters.delete(w);
        signal.removeEventListener("abort", onAbort);
      };
      const w: Waiter = {
        after,
        resolve: (head) => {
          done();
          resolve(head);
        },
        fail: (e) => {
          done();
          reject(e);
        },
      };
      const onAbort = () => w.resolve(this.#head);
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(w);
      this.kick();
      if (!this.#running) {
        this.#running = true;
        this.#loop();
      }
    });
  }

  /** Reads the head now rather than at the next tick (a new waiter, a write); no-op when no one waits. */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    for (;;) {
      // Checked and cleared with no await in between, so a waiter arriving now starts a loop.
      if (this.#waiters.size === 0) {
        this.#running = false;
        return;
      }
      this.#kicked = false;
      let head: number;
      try {
        head = await this.#read();
      } catch (e) {
        // Every waiter hears of the failure (its request answers as the store's errors do).
        for (const w of [...this.#waiters]) w.fail(e);
        continue;
      }
      this.#head = Math.max(this.#head, head);
      for (const w of [...this.#waiters]) if (head > w.after) w.resolve(head);
      // A kick during the read (a new waiter or a write) reads again at once.
      if (this.#waiters.size > 0 && !this.#kicked) await this.#pause();
    }
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, this.#intervalMs);
      this.#wake = () => {
        clearTimeout(t);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}

/** Statements that only read: they move no journal head. */
const READ_ONLY_SQL = /^\s*(SELECT|WITH|PRAGMA|EXPLAIN)\b/i;

/**
 * `client` with a {@linkcode JournalHeadWatch.kick} after each write it
 * commits, so a write made through this edge answers the held long-polls at
 * once instead of at the watch's next tick (writes made elsewhere, an UPDATE
 * at a node, still wait for the tick). Everything else passes through.
 */
export function kickOnWrites<C extends SqlClient>(client: C, watch: JournalHeadWatch): C {
  const isWrite = (s: SqlStatement | string) =>
    !READ_ONLY_SQL.test(typeof s === "string" ? s : s.sql);
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "execute") {
        return async (stmt: SqlStatement | string) => {
          const r = await target.execute(stmt);
          if (isWrite(stmt)) watch.kick();
          return r;
        };
      }
      if (prop === "batch") {
        return async (stmts: SqlStatement[], mode: "write" | "read" | "deferred") => {
          const r = await target.batch(stmts, mode);
          if (mode !== "read" && stmts.some(isWrite)) watch.kick();
          return r;
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
