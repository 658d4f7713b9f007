/**
 * Returns the C heap's freed pages to the kernel after the events that free
 * a lot of them (issue 15, memory). glibc keeps freed memory in the arena of
 * the thread that allocated it; the storage worker that reads a 100k-record
 * zone at start leaves about 41 MiB there once it is replaced, resident for
 * the life of the process. `malloc_trim(0)` (the `malloc_trim` addon in
 * `native/`) releases it; V8 and Node have no call that does.
 *
 * What frees that much: the first load (its worker is replaced once the node
 * answers), a storage worker restart, and a large journal catch-up (a zone
 * replaced, thousands of names). Each asks for a trim; the trim runs once the
 * requests have stopped for a moment, so a burst of catch-ups trims once.
 *
 * @module
 */

import { createRequire } from "node:module";
import type { IndexPatch } from "./zone_index/index_patch.ts";

/** The addon's trim: true when any memory went back. */
export type MallocTrim = () => boolean;

/** A catch-up that touches at least this many names asks for a trim. */
export const LARGE_PATCH_NAMES = 4096;

/** How long requests must stop before the trim runs (ms). */
export const TRIM_DELAY_MS = 1000;

/** The addon's trim, or null with the reason (not built, not Linux, not Node). */
export function loadMallocTrim(): { trim: MallocTrim | null; loadError: string | null } {
  try {
    const m = createRequire(import.meta.url)("@dmp-edge/batched-udp/malloc_trim") as {
      trim: MallocTrim | null;
      loadError: string | null;
    };
    return { trim: m.trim, loadError: m.loadError };
  } catch (e) {
    return { trim: null, loadError: `malloc_trim addon missing (${(e as Error).message})` };
  }
}

/**
 * Whether applying `patches` is likely to free a lot of C heap: a whole zone
 * replaced or removed, or at least {@linkcode LARGE_PATCH_NAMES} names.
 */
export function patchesFreeMuch(patches: readonly IndexPatch[]): boolean {
  let names = 0;
  for (const p of patches) {
    if (p.kind === "replace_zone" || p.kind === "remove_zone") return true;
    if (p.kind === "replace_names") names += p.names.length;
  }
  return names >= LARGE_PATCH_NAMES;
}

/** Runs `trim` once after a pause in {@linkcode CHeapTrimmer.request}s. */
export class CHeapTrimmer {
  readonly #trim: MallocTrim | null;
  readonly #delayMs: number;
  readonly #onTrim: (ms: number, released: boolean) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /**
   * @param trim the addon's trim, or null (then requests do nothing)
   * @param onTrim hears how long each trim took and whether memory went back
   * @param delayMs the pause after the last request before the trim runs
   */
  constructor(
    trim: MallocTrim | null,
    onTrim: (ms: number, released: boolean) => void = () => {},
    delayMs = TRIM_DELAY_MS,
  ) {
    this.#trim = trim;
    this.#onTrim = onTrim;
    this.#delayMs = delayMs;
  }

  /** Asks for a trim: it runs `delayMs` after the last request. */
  request(): void {
    if (!this.#trim || this.#stopped) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#run(), this.#delayMs);
  }

  /** Cancels a pending trim; later requests do nothing. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #run(): void {
    this.#timer = undefined;
    if (!this.#trim || this.#stopped) return;
    const t0 = performance.now();
    const released = this.#trim();
    this.#onTrim(performance.now() - t0, released);
  }
}
