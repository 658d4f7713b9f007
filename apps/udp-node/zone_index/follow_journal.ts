/**
 * Keeps the zone index current: a full load at start, then after every sync
 * tick the journal entries since the last applied sequence are read and only
 * the changed names are re-read and swapped into the index. In the node this
 * runs in the storage worker and writes into a `PatchRecorder`
 * (./index_patch.ts) whose patches the DNS thread applies between packets, so
 * queries never wait on it.
 *
 * @module
 */

import type { SqlClient } from "../../../packages/core/store/sql_client.ts";
import {
  type RawRows,
  readJournalHead,
  readJournalSince,
  readRecordsByName,
  readZoneRecords,
} from "../../../packages/core/store/records.ts";
import { listZones, readZone } from "../../../packages/core/store/zones.ts";
import type { IndexSink } from "./index_patch.ts";

const JOURNAL_PAGE = 5000;

/** Follows the change journal into a zone index. */
export class JournalFollower {
  #client: SqlClient;
  #index: IndexSink;
  #seq = 0;
  #onKeystoreChange: () => Promise<void>;

  /** `onKeystoreChange` runs when the journal says TSIG keys changed (zone "", brief §2.4). */
  constructor(
    client: SqlClient,
    index: IndexSink,
    onKeystoreChange: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.#client = client;
    this.#index = index;
    this.#onKeystoreChange = onKeystoreChange;
  }

  /** Last journal sequence applied. */
  get seq(): number {
    return this.#seq;
  }

  /** Loads every zone from scratch; `onProgress(recordsRead)` as pages arrive, for progress. */
  async loadAll(
    now: number,
    onProgress?: (recordsRead: number) => void,
    rawRows?: RawRows,
  ): Promise<void> {
    const head = await readJournalHead(this.#client);
    const zones = await listZones(this.#client);
    const keep = new Set(zones.map((z) => z.name));
    for (const name of this.#index.zoneNames()) if (!keep.has(name)) this.#index.removeZone(name);
    let before = 0;
    for (const z of zones) {
      const records = await readZoneRecords(
        this.#client,
        z.name,
        now,
        onProgress && ((n) => onProgress(before + n)),
        rawRows,
      );
      this.#index.replaceZone(z, records);
      before += records.length;
    }
    this.#seq = head;
  }

  /**
   * Continues from journal sequence `seq` instead of a full load: a new storage worker (after
   * a crash, or replacing the one that did the first load), whose DNS thread's index already
   * holds everything up to `seq`.
   */
  resumeAt(seq: number): void {
    this.#seq = seq;
  }

  /** Applies journal entries since the last call; returns how many were applied. */
  async catchUp(now: number): Promise<number> {
    let applied = 0;
    for (;;) {
      const entries = await readJournalSince(this.#client, this.#seq, JOURNAL_PAGE);
      if (entries.length === 0) return applied;
      if (entries.length === JOURNAL_PAGE && applied > 0) {
        // Far behind: a full reload is cheaper than many pages of patches.
        await this.loadAll(now);
        return applied + entries.length;
      }
      const byZone = new Map<string, Set<string>>();
      let keysChanged = false;
      for (const e of entries) {
        if (e.zone === "") {
          keysChanged = true;
          continue;
        }
        let names = byZone.get(e.zone);
        if (!names) byZone.set(e.zone, names = new Set());
        names.add(e.name);
      }
      for (const [zoneName, names] of byZone) {
        const zone = await readZone(this.#client, zoneName);
        if (!zone) {
          this.#index.removeZone(zoneName);
          continue;
        }
        if (names.has("") || !this.#index.zone(zoneName)) {
          this.#index.replaceZone(zone, await readZoneRecords(this.#client, zoneName, now));
          continue;
        }
        const list = [...names];
        this.#index.replaceNames(zoneName, list, await readRecordsByName(this.#client, list, now));
        this.#index.updateZoneMeta(zone);
      }
      if (keysChanged) await this.#onKeystoreChange();
      this.#seq = entries[entries.length - 1].seq;
      applied += entries.length;
    }
  }
}
