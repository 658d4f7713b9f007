/**
 * Existence and the closest encloser (RFC 4592 §3.3.1): the longest
 * ancestor of a query name that exists in the zone, as an owner of RRs or
 * as an empty non-terminal (RFC 4592 §2.2.2; RFC 8020 makes both exist).
 *
 * This module is browser compatible.
 * @module
 */

import type { IndexedZone } from "./zone_index.ts";

/** Whether `name` exists in the zone: the apex, an owner, or an empty non-terminal. */
export function nameExists(z: IndexedZone, name: string): boolean {
  return name === z.name || z.nodes.has(name) || (z.descendants.get(name) ?? 0) > 0;
}

/**
 * The closest encloser of `name`, a name of zone `z` that does not exist:
 * its nearest existing ancestor (at worst the apex).
 */
export function closestEncloser(z: IndexedZone, name: string): string {
  let pos = name.indexOf(".");
  while (pos >= 0) {
    const ancestor = name.slice(pos + 1);
    if (ancestor.length <= z.name.length || nameExists(z, ancestor)) return ancestor;
    pos = name.indexOf(".", pos + 1);
  }
  return z.name;
}
