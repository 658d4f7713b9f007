/**
 * The node's signers: one {@linkcode ZoneSigner} per zone with a DNSSEC key
 * in the store, reloaded when the journal says keys changed (zone "", like
 * the TSIG keyring). A zone whose key is unchanged keeps its signer and its
 * cached RRSIGs.
 *
 * @module
 */

import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import type { SecretBox } from "../../../packages/core/store/secret_box.ts";
import { readSigningKeys } from "../../../packages/core/store/dnssec_keys.ts";
import { importNodeSigningKey } from "./node_signing_key.ts";
import { ZoneSigner } from "../../../packages/core/dnssec/zone_signer.ts";

/** Signers by zone apex, and the set of signed apexes the query path reads. */
export class ZoneSigners {
  /** apexes being signed (`QuerySettings.signedZones`) */
  readonly zones = new Set<string>();
  /** signer per apex */
  readonly signers = new Map<string, ZoneSigner>();

  /** Reloads every zone's key; returns how many keys could not be opened. */
  async reload(client: SqlClient, box: SecretBox): Promise<number> {
    const { keys, unreadable } = await readSigningKeys(client, box);
    const seen = new Set<string>();
    for (const k of keys) {
      // One key per zone today (a CSK); the first one made is the zone's.
      if (seen.has(k.zone)) continue;
      seen.add(k.zone);
      const current = this.signers.get(k.zone);
      if (current && current.key.keyTag === k.keyTag && current.key.algorithm === k.algorithm) {
        continue;
      }
      this.signers.set(k.zone, new ZoneSigner(k.zone, await importNodeSigningKey(k)));
      this.zones.add(k.zone);
    }
    for (const zone of [...this.signers.keys()]) {
      if (seen.has(zone)) continue;
      this.signers.delete(zone);
      this.zones.delete(zone);
    }
    return unreadable;
  }
}
