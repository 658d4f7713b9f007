/**
 * Keeps transferred signatures and keys fresh: once per re-sign period, after
 * each key rollover step, and when this node takes the NOTIFY lease, the
 * lease holder moves the serial of every signed zone with a transfer policy
 * that has not changed since (`packages/core/store/zone_resign.ts` has the
 * rule). The new serial reaches the secondaries by NOTIFY, and their next
 * transfer carries new signatures and the current DNSKEY RRset.
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
  /** the zone's latest key step at or before `now` (`lastKeyStep`); 0 or absent: none */
  keyStep?: (zone: string, now: number) => number;
  logger: Logger;
}

/** Moves stale serials of signed, transferred zones; run by the NOTIFY lease holder. */
export class ResignSerials {
  #d: ResignDeps;
  /** the period whose check has completed (0: none yet, so the first tick checks) */
  #checked = 0;
  /** per zone, the key step the last completed check saw */
  #steps = new Map<string, number>();

  constructor(deps: ResignDeps) {
    this.#d = deps;
  }

  /** Checks once per period; `holder` says whether this node holds the NOTIFY lease now. */
  async tick(now: number, holder: boolean): Promise<void> {
    if (!holder) {
      // A node that takes the lease later checks at once (the old holder may have missed it).
      this.#checked = 0;
      this.#steps.clear();
      return;
    }
    if (this.#d.signedZones.size === 0) return;
    const period = resignPeriodStart(now);
    const steps = new Map<string, number>();
    for (const z of this.#d.signedZones) steps.set(z, this.#d.keyStep?.(z, now) ?? 0);
    const stepped = [...steps].some(([z, at]) => (this.#steps.get(z) ?? 0) !== at);
    if (period === this.#checked && !stepped) return;
    const policies = await listTransferPolicies(this.#d.client);
    for (const p of policies) {
      if (!this.#d.signedZones.has(p.zone)) continue;
      if (await resignSerial(this.#d.writer, p.zone, now, steps.get(p.zone) ?? 0)) {
        this.#d.logger.info("serial moved to refresh the signatures and keys secondaries hold", {
          zone: p.zone,
        });
      }
    }
    this.#checked = period;
    this.#steps = steps;
  }
}
