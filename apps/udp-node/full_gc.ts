/**
 * One full garbage collection of the DNS thread's heap, run once the node
 * has loaded its zones (issue 15, memory).
 *
 * Loading 100k records promotes the load's temporary objects to V8's old
 * space. When the last major GC of the load runs before they die, they stay
 * there: under query load the node allocates only short-lived objects, so no
 * further major GC comes, and V8's memory reducer waits for an idle isolate.
 * `bench/udp_qps_vs_nsd` saw it in about one new-replica start in three: old
 * space 48 MiB instead of 31, PSS 192–199 MiB instead of 174–182, and a
 * forced GC took the heap back to its usual 37 MiB.
 *
 * Node has no API for a full GC without `--expose-gc`; the flag set at run
 * time exposes `gc` in contexts created after it, so a fresh `vm` context
 * hands it over (what jest's leak detector does). It works on Node and on
 * Deno; a runtime where it does not reports why, and the node goes on.
 *
 * @module
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A full (mark-compact) collection of the calling thread's heap, or null with the reason. */
export function loadFullGc(): { gc: (() => void) | null; loadError: string | null } {
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("typeof gc === 'function' ? gc : undefined");
    if (typeof gc !== "function") {
      return { gc: null, loadError: "no full GC: this runtime does not expose gc" };
    }
    return { gc: () => (gc as () => void)(), loadError: null };
  } catch (e) {
    return { gc: null, loadError: `no full GC: ${(e as Error).message}` };
  }
}
