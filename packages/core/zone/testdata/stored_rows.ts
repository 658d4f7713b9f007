/**
 * Test support: store rows (a zone and its records) as the store returns
 * them, for the tests of the zone index and of what patches it.
 *
 * @module
 */

import type { StoredRecord, StoredZone } from "../../store/records.ts";

/** A zone row with a plain SOA (refresh 3600, retry 600, expire 86400, minimum 60). */
export function storedZone(name: string, serial = 1): StoredZone {
  return {
    name,
    soaMname: "",
    soaRname: "",
    soaRefresh: 3600,
    soaRetry: 600,
    soaExpire: 86400,
    soaMinimum: 60,
    serial,
  };
}

let nextId = 1;

/** A record row with a fresh id (publish order follows the calls). */
export function storedRecord(
  zone: string,
  name: string,
  type: string,
  value: string,
  ttl = 300,
  expiresAt = 0,
): StoredRecord {
  return { id: nextId++, zone, name, type, value, ttl, createdAt: 0, expiresAt };
}
