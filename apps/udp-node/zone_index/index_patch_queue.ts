/**
 * Applies index patches on the DNS thread in arrival order, one names patch
 * (a slice of at most `NAMES_PER_SLICE` names, cut by the storage worker:
 * `namePatches` in ./index_patch.ts) at a time, yielding to the event loop between two.
 *
 * Why: between slices the loop polls the sockets, so a query waits for one
 * slice at most. A name is always patched whole (its RRsets in one step);
 * queries between slices see some names of a catch-up and not yet others,
 * as they would had the writes arrived in two catch-ups.
 *
 * One queue serves every writer of the index (journal catch-ups and the
 * UPDATE handler's read of its own writes), so an older read can never be
 * applied over a newer one.
 *
 * @module
 */

import type { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { applyIndexPatches, type IndexPatch } from "./index_patch.ts";

/** Lets the event loop run (timers, sockets) before the next slice. */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)
  );
}

/** The FIFO of patches waiting for the DNS thread. */
export class IndexPatchQueue {
  readonly #index: ZoneIndex;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(index: ZoneIndex) {
    this.#index = index;
  }

  /**
   * Applies `patches` after every patch queued before them; resolves once
   * they are all in the index, with whether any said the keys changed.
   */
  apply(patches: readonly IndexPatch[]): Promise<boolean> {
    const run = this.#tail.then(() => this.#applyInTurns(patches));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #applyInTurns(patches: readonly IndexPatch[]): Promise<boolean> {
    let keysChanged = false;
    let namesApplied = false;
    for (const p of patches) {
      if (p.kind === "replace_names") {
        if (namesApplied) await yieldToLoop();
        namesApplied = true;
      }
      if (applyIndexPatches(this.#index, [p])) keysChanged = true;
    }
    return keysChanged;
  }
}
