/**
 * When each TSIG key last verified a message (issue 14, shown on the keys
 * page and API): UPDATE and AXFR/IXFR call {@linkcode TsigLastUsed.note} after
 * a successful verification, and {@linkcode TsigLastUsed.flush} (run with the
 * query log's flush) writes through the storage worker at most once per key
 * per {@linkcode LAST_USED_WRITE_SECONDS}: a key signing a thousand UPDATEs
 * a second costs the primary one small write a minute. The stored time is
 * therefore at most about a minute behind. Both maps hold only names that
 * verified (keys in the keyring), so they are bounded by the keyring.
 *
 * @module
 */

/** Least time between two writes of one key's last-used time. */
export const LAST_USED_WRITE_SECONDS = 60;

/** Coalesces last-used times per key. */
export class TsigLastUsed {
  /** key → newest verification not yet written */
  #pending = new Map<string, number>();
  /** key → when its time was last written */
  #written = new Map<string, number>();
  #failing = false;

  /** A message signed with `name` verified at `now` (unix seconds). */
  note(name: string, now: number): void {
    const prev = this.#pending.get(name);
    if (prev === undefined || now > prev) this.#pending.set(name, now);
  }

  /**
   * Writes the keys whose last write is a minute old or more; the rest wait. Never throws:
   * a failed write keeps the times for the next flush.
   *
   * @param write the storage worker's `tsig_last_used`
   * @param now unix seconds
   * @returns the keys written
   */
  async flush(write: (uses: { name: string; ts: number }[]) => Promise<void>, now: number) {
    const due: { name: string; ts: number }[] = [];
    for (const [name, ts] of this.#pending) {
      const last = this.#written.get(name);
      if (last === undefined || now - last >= LAST_USED_WRITE_SECONDS) due.push({ name, ts });
    }
    for (const [name, at] of this.#written) {
      if (now - at >= LAST_USED_WRITE_SECONDS && !this.#pending.has(name)) {
        this.#written.delete(name);
      }
    }
    if (due.length === 0) return 0;
    try {
      await write(due);
      this.#failing = false;
    } catch {
      this.#failing = true;
      return 0;
    }
    for (const u of due) {
      this.#written.set(u.name, now);
      if (this.#pending.get(u.name) === u.ts) this.#pending.delete(u.name);
    }
    return due.length;
  }

  /** Whether the last write failed (for the node's log). */
  get failing(): boolean {
    return this.#failing;
  }
}
