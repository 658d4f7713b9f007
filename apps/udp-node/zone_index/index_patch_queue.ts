/**
 * Applies index patches on the DNS thread in arrival order, a slice of names
 * at a time, yielding to the event loop between slices.
 *
 * Why: under an UPDATE burst one journal catch-up carries a couple of
 * thousand names, and patching them in one go held the DNS thread for up to
 * 30 ms while queries waited (issue 15, probe p99). Between slices the loop
 * polls the sockets, so a query waits for one slice at most. A name is always
 * patched whole (its RRsets in one step); queries between slices see some
 * names of a catch-up and not yet others, as they would had the writes
 * arrived in two catch-ups.
 *
 * One queue serves every writer of the index (journal catch-ups and the
 * UPDATE handler's read of its own writes), so an older read can never be
 * applied over a newer one.
 *
 * @module
 */

import type { StoredRecord } from "../../../packages/core/store/records.ts";
import type { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { applyIndexPatches, type IndexPatch } from "./index_patch.ts";

/** Names patched between two turns of the event loop (about a millisecond of work). */
export const NAMES_PER_SLICE = 128;

/** Lets the event loop run (timers, sockets) before the next slice. */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)
  );
}

/** The FIFO of patches waiting for the DNS thread. */
export class IndexPatchQueue {
  readonly #index: ZoneIndex;
  readonly #namesPerSlice: number;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(index: ZoneIndex, namesPerSlice = NAMES_PER_SLICE) {
    this.#index = index;
    this.#namesPerSlice = Math.max(1, namesPerSlice);
  }

  /**
   * Applies `patches` after every patch queued before them; resolves once
   * they are all in the index, with whether any said the keys changed.
   */
  apply(patches: readonly IndexPatch[]): Promise<boolean> {
    const run = this.#tail.then(() => this.#applyInSlices(patches));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #applyInSlices(patches: readonly IndexPatch[]): Promise<boolean> {
    let keysChanged = false;
    for (const p of patches) {
      const slices = p.kind === "replace_names" ? sliceByNames(p, this.#namesPerSlice) : [p];
      for (let i = 0; i < slices.length; i++) {
        if (i > 0) await yieldToLoop();
        if (applyIndexPatches(this.#index, [slices[i]])) keysChanged = true;
      }
    }
    return keysChanged;
  }
}

type ReplaceNames = Extract<IndexPatch, { kind: "replace_names" }>;

/**
 * Splits a names patch into patches of at most `size` names, each with the
 * records of its names (records of a name not listed go with the last).
 */
export function sliceByNames(p: ReplaceNames, size: number): ReplaceNames[] {
  if (p.names.length <= size) return [p];
  const sliceOf = new Map<string, number>();
  const slices: ReplaceNames[] = [];
  for (let i = 0; i < p.names.length; i += size) {
    const names = p.names.slice(i, i + size);
    for (const n of names) sliceOf.set(n, slices.length);
    slices.push({ kind: "replace_names", zone: p.zone, names, records: [] as StoredRecord[] });
  }
  for (const r of p.records) slices[sliceOf.get(r.name) ?? slices.length - 1].records.push(r);
  return slices;
}
