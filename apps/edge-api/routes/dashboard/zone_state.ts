/**
 * What the dashboard shows about a zone beyond its records (issue 14): the
 * live record count, the transfer policy and the signing state. The one
 * place the dashboard reads transfer and signing state: the list through the
 * store functions the API's routes use, a zone's page through the API's own
 * `GET …/dnssec` body builder (`keysJson`), so its DS records are the ones
 * the API returns.
 *
 * Last-transfer times are not shown: no node records them in the store.
 *
 * @module
 */

import { DNSSEC_ALGORITHM } from "../../../../packages/core/dnssec/signing_key.ts";
import { listSigningKeys } from "../../../../packages/core/store/dnssec_keys.ts";
import { countLiveRecordsByZone } from "../../../../packages/core/store/records.ts";
import {
  listTransferPolicies,
  readTransferPolicy,
  type TransferPolicy,
} from "../../../../packages/core/store/transfer_policy.ts";
import type { ResolvedDeps } from "../../app_deps.ts";
import { keysJson } from "../admin/zone_dnssec.ts";

/** One signing key as the dashboard shows it. */
export interface SigningKeyView {
  keyTag: number;
  algorithm: number;
  /** DS record text ("" when the edge cannot open the key: no sealing key). */
  ds: string;
  /** The key's role (KeyRole) and rollover state, on a zone's page (not in the list). */
  role?: string;
  state?: string;
}

/** A zone's transfer and signing state. */
export interface ZoneStateView {
  /** undefined: no policy, every transfer refused */
  transfer?: TransferPolicy;
  /** empty: not signed */
  keys: SigningKeyView[];
}

/** The zones list's extra columns, per zone name. */
export interface ZoneListState {
  records: Map<string, number>;
  transfer: Map<string, TransferPolicy>;
  keys: Map<string, SigningKeyView[]>;
}

/**
 * The DNSSEC algorithm's mnemonic (RFC 8624 §3.1 names), or its number.
 *
 * @param algorithm the algorithm number
 * @returns the text
 */
export function algorithmName(algorithm: number): string {
  for (const [name, n] of Object.entries(DNSSEC_ALGORITHM)) if (n === algorithm) return name;
  return `algorithm ${algorithm}`;
}

/**
 * Record counts, transfer policies and signing keys of every zone, in three
 * reads whatever the number of zones.
 *
 * @param deps the app dependencies
 * @returns the per-zone state
 */
export async function readZoneListState(deps: ResolvedDeps): Promise<ZoneListState> {
  const [records, policies, keys] = await Promise.all([
    countLiveRecordsByZone(deps.client, deps.nowSeconds()),
    listTransferPolicies(deps.client),
    listSigningKeys(deps.client),
  ]);
  const byZone = new Map<string, SigningKeyView[]>();
  for (const k of keys) {
    const list = byZone.get(k.zone) ?? [];
    list.push({ keyTag: k.keyTag, algorithm: k.algorithm, ds: "" });
    byZone.set(k.zone, list);
  }
  return { records, transfer: new Map(policies.map((p) => [p.zone, p])), keys: byZone };
}

/**
 * One zone's transfer policy and signing keys with their DS records.
 *
 * @param deps the app dependencies
 * @param zone canonical zone name
 * @returns the state
 */
export async function readZoneState(deps: ResolvedDeps, zone: string): Promise<ZoneStateView> {
  const [transfer, keys] = await Promise.all([
    readTransferPolicy(deps.client, zone),
    keysJson(deps, zone),
  ]);
  return {
    transfer,
    keys: keys.map((k) => ({
      keyTag: k.key_tag,
      algorithm: k.algorithm,
      ds: k.ds,
      role: k.role,
      state: k.state,
    })),
  };
}
