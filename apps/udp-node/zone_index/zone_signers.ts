/**
 * The node's signers: one {@linkcode ZoneSigner} per zone with DNSSEC keys in
 * the store, reloaded when the journal says keys changed (zone "", like the
 * TSIG keyring). A zone whose keys and their steps are unchanged keeps its
 * signer and its cached RRSIGs; any change (a rollover started, a DS seen)
 * makes a new signer, so no cached signature outlives a key-state change.
 * The steps themselves need no reload: the signer reads them off the clock
 * (`dnssec/key_timeline.ts`).
 *
 * @module
 */

import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import type { SecretBox } from "../../../packages/core/store/secret_box.ts";
import {
  readSigningKeys,
  type StoredSigningKey,
} from "../../../packages/core/store/dnssec_keys.ts";
import { importNodeSigningKey } from "./node_signing_key.ts";
import { KEY_RECORD_TTL } from "../../../packages/core/dnssec/key_records.ts";
import { ZoneSigner } from "../../../packages/core/dnssec/zone_signer.ts";
import { lastKeyStep } from "../../../packages/core/dnssec/key_timeline.ts";

/** Signers by zone apex, and the set of signed apexes the query path reads. */
export class ZoneSigners {
  /** apexes being signed (`QuerySettings.signedZones`) */
  readonly zones = new Set<string>();
  /** signer per apex */
  readonly signers = new Map<string, ZoneSigner>();
  #fingerprints = new Map<string, string>();
  #dnskeyTtl: number;

  /** `dnskeyTtl`: TTL of the apex DNSKEY, CDS and CDNSKEY (`DMP_DNSSEC_DNSKEY_TTL`). */
  constructor(dnskeyTtl: number = KEY_RECORD_TTL) {
    this.#dnskeyTtl = dnskeyTtl;
  }

  /** Reloads every zone's keys; returns how many keys could not be opened. */
  async reload(client: SqlClient, box: SecretBox): Promise<number> {
    const { keys, unreadable } = await readSigningKeys(client, box);
    const byZone = new Map<string, StoredSigningKey[]>();
    for (const k of keys) {
      const list = byZone.get(k.zone);
      if (list) list.push(k);
      else byZone.set(k.zone, [k]);
    }
    for (const [zone, list] of byZone) {
      const fingerprint = JSON.stringify(
        list.map((k) => [k.keyTag, k.algorithm, k.flags, k.times]),
      );
      if (this.#fingerprints.get(zone) === fingerprint) continue;
      const timed = [];
      for (const k of list) timed.push({ key: await importNodeSigningKey(k), times: k.times });
      this.signers.set(zone, new ZoneSigner(zone, timed, undefined, this.#dnskeyTtl));
      this.#fingerprints.set(zone, fingerprint);
      this.zones.add(zone);
    }
    for (const zone of [...this.signers.keys()]) {
      if (byZone.has(zone)) continue;
      this.signers.delete(zone);
      this.#fingerprints.delete(zone);
      this.zones.delete(zone);
    }
    return unreadable;
  }

  /** The zone's latest key step at or before `now` (`lastKeyStep`); 0 when unsigned. */
  keyStep(zone: string, now: number): number {
    const signer = this.signers.get(zone);
    return signer ? lastKeyStep(signer.keys.map((k) => k.times), now) : 0;
  }
}
