/**
 * A progress line for long operations (zone import, node start-up): count,
 * rate and ETA, redrawn in place on stderr. It stays silent for the first
 * second (short operations print nothing), when quiet, and when stderr is not
 * a terminal (logs and pipes get no carriage-return noise).
 *
 * @module
 */

/** Where the line goes: a terminal-like stream. */
export interface ProgressSink {
  isTTY?: boolean;
  write(s: string): unknown;
}

/** Options of a {@linkcode ProgressMeter}. */
export interface ProgressOptions {
  /** what is being done, e.g. "importing example.com" */
  label: string;
  /** what is counted, e.g. "records" */
  unit: string;
  /** the expected count, when known (for the percentage and ETA) */
  total?: number;
  sink: ProgressSink;
  quiet?: boolean;
  /** milliseconds of silence before the first line (default 1000) */
  delayMs?: number;
  /** milliseconds between redraws (default 250) */
  intervalMs?: number;
  /** the clock, in milliseconds */
  now?: () => number;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** Counts done units and draws `label: done/total unit (pct), rate/s, ETA`. */
export class ProgressMeter {
  readonly #o: Required<Omit<ProgressOptions, "total">> & { total?: number };
  readonly #start: number;
  #lastDraw = -Infinity;
  #drawn = false;
  #done = 0;

  constructor(options: ProgressOptions) {
    this.#o = {
      ...options,
      delayMs: options.delayMs ?? 1000,
      intervalMs: options.intervalMs ?? 250,
      quiet: options.quiet ?? false,
      now: options.now ?? (() => Date.now()),
    };
    this.#start = this.#o.now();
  }

  /** Whether anything will ever be drawn. */
  get enabled(): boolean {
    return !this.#o.quiet && this.#o.sink.isTTY === true;
  }

  /** The line for `done` units at `elapsedMs` (exposed for tests and final lines). */
  line(done: number, elapsedMs: number): string {
    const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
    const { total, unit, label } = this.#o;
    const count = total
      ? `${fmt(done)}/${fmt(total)} ${unit} (${Math.floor(done / total * 100)}%)`
      : `${fmt(done)} ${unit}`;
    const eta = total && rate > 0 ? `, ETA ${duration((total - done) / rate)}` : "";
    return `${label}: ${count}, ${fmt(rate)}/s${eta}`;
  }

  /** Records progress; draws when due. */
  update(done: number): void {
    this.#done = done;
    if (!this.enabled) return;
    const t = this.#o.now();
    const elapsed = t - this.#start;
    if (elapsed < this.#o.delayMs || t - this.#lastDraw < this.#o.intervalMs) return;
    this.#lastDraw = t;
    this.#drawn = true;
    // \r + erase-line (ECMA-48 EL) redraws in place.
    this.#o.sink.write(`\r\x1b[2K${this.line(done, elapsed)}`);
  }

  /** Ends the line (with the final count) if one was drawn. */
  finish(): void {
    if (!this.#drawn) return;
    this.#o.sink.write(`\r\x1b[2K${this.line(this.#done, this.#o.now() - this.#start)}, done\n`);
    this.#drawn = false;
  }
}
