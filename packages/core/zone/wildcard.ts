/**
 * Wildcard synthesis (RFC 4592): a name that does not exist is answered from
 * the source of synthesis `*.<closest encloser>`, with the owner rewritten to
 * the query name. Existing names and empty non-terminals are never
 * synthesized (§2.2.1), and a name below an existing name that has no `*`
 * child is NXDOMAIN even when a wildcard sits higher up (§3.3.1).
 *
 * This module is browser compatible.
 * @module
 */

import { closestEncloser } from "./closest_encloser.ts";
import type { IndexedZone } from "./zone_index.ts";

/** Whether an owner name is a wildcard: its first label is `*` (RFC 4592 §2.1.1). */
export function isWildcardOwner(name: string): boolean {
  return name === "*" || name.startsWith("*.");
}

/**
 * The owner of the source of synthesis for `name` (which must not exist in
 * `z`): `*.<closest encloser>` when the zone holds it (RFC 4592 §3.3.1), else
 * undefined. Response rate limiting keys wildcard answers on this owner.
 */
export function wildcardOwner(z: IndexedZone, name: string): string | undefined {
  if (z.wildcards === 0) return undefined;
  const encloser = closestEncloser(z, name);
  const owner = encloser === "" ? "*" : "*." + encloser;
  return z.nodes.has(owner) ? owner : undefined;
}
