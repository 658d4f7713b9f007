/**
 * DNAME redirection (RFC 6672): a DNAME RRset at owner O redirects every name
 * strictly below O to the same labels below the DNAME target. The answer
 * holds the DNAME RR and a CNAME synthesized for the query name (TTL of the
 * DNAME, §3.1), and the lookup goes on at the new name; names the store
 * holds below O are occluded (§2.4). A new name longer than 255 octets is
 * YXDOMAIN (§2.2).
 *
 * This module is browser compatible.
 * @module
 */

import { CLASS, POINTER_RR, TYPE } from "../wire/constants.ts";
import { encodeNameBytes } from "../wire/message.ts";
import { writeUint16, writeUint32 } from "../wire/network_order.ts";
import { nameWireLength } from "../wire/name.ts";
import type { IndexedRRset, IndexedZone } from "./zone_index.ts";

/** The highest DNAME owner strictly above `name`, the apex included, or undefined. */
export function findDname(z: IndexedZone, name: string): string | undefined {
  if (z.dnames.size === 0) return undefined;
  let found: string | undefined;
  let n = name;
  while (n.length > z.name.length) {
    const dot = n.indexOf(".");
    n = dot < 0 ? "" : n.slice(dot + 1);
    if (n.length < z.name.length) break;
    if (z.dnames.has(n)) found = n;
  }
  return found;
}

/**
 * The name `name` (below DNAME owner `owner`) is redirected to, and the CNAME
 * RRset that says so (RFC 6672 §2.2); undefined when the new name would be
 * longer than 255 octets (the answer is then YXDOMAIN).
 */
export function synthesizeCname(
  name: string,
  owner: string,
  target: string,
  ttl: number,
): { name: string; set: IndexedRRset } | undefined {
  const prefix = name.slice(0, name.length - owner.length - (owner === "" ? 0 : 1));
  const redirected = target === "" || target === "." ? prefix : `${prefix}.${target}`;
  if (nameWireLength(redirected) < 0) return undefined;
  const rdata = encodeNameBytes(redirected);
  const wire = new Uint8Array(POINTER_RR.HEADER_BYTES + rdata.length);
  // The owner bytes are rewritten when the RRset is written (it is answered as an owned RRset).
  writeUint16(wire, 0, 0xc00c);
  writeUint16(wire, 2, TYPE.CNAME);
  writeUint16(wire, 4, CLASS.IN);
  writeUint32(wire, POINTER_RR.TTL_OFFSET, ttl);
  writeUint16(wire, 10, rdata.length);
  wire.set(rdata, POINTER_RR.HEADER_BYTES);
  return {
    name: redirected,
    set: {
      type: TYPE.CNAME,
      wire,
      records: [{ offset: 0, ttl, expiresAt: 0 }],
      expiring: false,
      firstExpiry: Infinity,
    },
  };
}
