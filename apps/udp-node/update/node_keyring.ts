/**
 * The node's TSIG keyring: active keys read from the store (secrets opened
 * with the secret box), swapped whole on every keystore change seen in the
 * journal, and at least once a minute so expiries take effect.
 *
 * @module
 */

import type { Keyring, TsigKey } from "../../../packages/core/tsig/keyring.ts";
import { tsigKey } from "../../../packages/core/tsig/keyring.ts";
import type { SecretBox } from "../../../packages/core/store/secret_box.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import { readActiveTsigKeys, type TsigKeyRecord } from "../../../packages/core/store/tsig_keys.ts";
import { canonicalName } from "../../../packages/core/wire/name.ts";

/** Active keys by canonical name, with their store records (scopes, subject). */
export class NodeKeyring implements Keyring {
  #keys = new Map<string, { key: TsigKey; record: TsigKeyRecord }>();
  #client: SqlClient;
  #box: SecretBox | undefined;
  loadedAt = 0;

  constructor(client: SqlClient, box: SecretBox | undefined) {
    this.#client = client;
    this.#box = box;
  }

  /** Number of active keys. */
  get size(): number {
    return this.#keys.size;
  }

  /** Re-reads every active key; returns how many rows could not be opened. */
  async reload(now: number): Promise<number> {
    if (!this.#box) {
      this.#keys = new Map();
      return 0;
    }
    const { keys, unreadable } = await readActiveTsigKeys(this.#client, this.#box, now);
    const next = new Map<string, { key: TsigKey; record: TsigKeyRecord }>();
    for (const k of keys) {
      try {
        next.set(k.name, { key: tsigKey(k.name, k.algorithm, k.secret), record: k });
      } catch {
        // An unusable key (empty secret) never verifies anything; skip it.
      }
    }
    this.#keys = next;
    this.loadedAt = now;
    return unreadable;
  }

  lookup(name: string): TsigKey | undefined {
    return this.#keys.get(canonicalName(name))?.key;
  }

  /** The store record of an active key (scope, subject), if still active at `now`. */
  record(name: string, now: number): TsigKeyRecord | undefined {
    const r = this.#keys.get(canonicalName(name))?.record;
    if (!r || r.revoked || (r.expiresAt !== 0 && r.expiresAt <= now)) return undefined;
    return r;
  }

  /** Every active record (for the M10 recipient set). */
  records(): TsigKeyRecord[] {
    return [...this.#keys.values()].map((v) => v.record);
  }
}
