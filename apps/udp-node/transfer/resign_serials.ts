/**
 * Keeps transferred signatures fresh: once per re-sign period (and when this
 * node takes the NOTIFY lease) the lease holder moves the serial of every
 * signed zone with a transfer policy that has not changed since the period
 * began (`packages/core/store/zone_resign.ts` has the rule). The new serial
 * reaches the secondaries by NOTIFY, and their next transfer carries new
 * signatures.
 *
 * @module
 */

import type { Logger } from "../../../packages/core/log/logger.ts";
import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import { listTransferPolicies } from "../../../packages/core/store/transfer_policy.ts";
import { resignPeriodStart, resignSerial } from "../../../packages/core/store/zone_resign.ts";

/** Dependencies of {@linkcode ResignSerials}. */
export interface ResignDeps {
  /** where policies are read */
  client: SqlClient;
  /** the primary, where serials are moved */
  writer: SqlClient;
  /** apexes this node signs */
  signedZones: ReadonlySet<string>;
  logger: Logger;
}

/** Moves stale serials of signed, transferred zones; run by the NOTIFY lease holder. */
export class ResignSerials {
  #d: ResignDeps;
  /** the period whose check has completed (0: none yet, so the first tick checks) */
  #checked = 0;

  constructor(deps: ResignDeps) {
    this.#d = deps;
  }

  /** Checks once per period; `holder` says whether this node holds the NOTIFY lease now. */
  async tick(now: number, holder: boolean): Promise<void> {
    if (!holder) {
      // A node that takes the lease later checks at once (the old holder may have missed it).
      this.#checked = 0;
      return;
    }
    const period = resignPeriodStart(now);
    if (period === this.#checked || this.#d.signedZones.size === 0) return;
    const policies = await listTransferPolicies(this.#d.client);
    for (const p of policies) {
      if (!this.#d.signedZones.has(p.zone)) continue;
      if (await resignSerial(this.#d.writer, p.zone, now)) {
        this.#d.logger.info("serial moved to refresh the signatures secondaries hold", {
          zone: p.zone,
        });
      }
    }
    this.#checked = period;
  }
}
