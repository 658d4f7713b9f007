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
  readZoneRecordPages,
  readZoneRecords,
  zoneRecordsSize,
} from "../../../packages/core/store/records.ts";
import {
  expectedWireBytesOfSize,
  ZoneImageBuilder,
} from "../../../packages/core/zone/zone_image.ts";
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
    let read = 0;
    for (const z of zones) {
      // Each page of records is encoded into the zone's image as it arrives and let go: no record
      // object of a 100k-record zone lives past its page (issue 15, start-up).
      const size = await zoneRecordsSize(this.#client, z.name, now, rawRows);
      const builder = new ZoneImageBuilder(z.name, {
        records: size.records,
        bytes: expectedWireBytesOfSize(size),
      });
      await readZoneRecordPages(this.#client, z.name, now, (page) => {
        builder.add(page);
        read += page.length;
        onProgress?.(read);
      }, rawRows);
      if (builder.inPublishOrder) this.#index.replaceZoneImage(z, builder.finish());
      else {
        this.#index.replaceZone(
          z,
          await readZoneRecords(this.#client, z.name, now, undefined, rawRows),
        );
      }
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

  /**
   * Applies journal entries since the last call; returns how many were applied.
   *
   * `from`: read this call from another database than the follower's own, the
   * primary of a replica (a node told by the change signal that the primary
   * moved, issue 15 item 6), so the change is served before the replica's own
   * sync brings it. That path takes one page at most and stops before a change
   * of keys (zone "", which the DNS thread reloads from the node's own
   * database, maybe not synced yet) and before a page that would need a full
   * reload: what it leaves, the next catch-up from the replica applies. The
   * replica catches up to the sequence reached this way and goes on from it.
   */
  async catchUp(now: number, from?: SqlClient): Promise<number> {
    if (from) return await this.#catchUpFrom(now, from);
    let applied = 0;
    for (;;) {
      const entries = await readJournalSince(this.#client, this.#seq, JOURNAL_PAGE);
      if (entries.length === 0) return applied;
      // Entries after ours were pruned (store/records.ts pruneJournal), or we are far behind (a
      // full reload is cheaper than many pages of patches): every zone is read again, as at start,
      // and the keys too, since a skipped entry may have changed them.
      if (this.#missed(entries) || (entries.length === JOURNAL_PAGE && applied > 0)) {
        await this.loadAll(now);
        await this.#onKeystoreChange();
        return applied + entries.length;
      }
      const keysChanged = await this.#apply(this.#client, entries, now);
      if (keysChanged) await this.#onKeystoreChange();
      this.#seq = entries[entries.length - 1].seq;
      applied += entries.length;
    }
  }

  async #catchUpFrom(now: number, from: SqlClient): Promise<number> {
    const page = await readJournalSince(from, this.#seq, JOURNAL_PAGE);
    // A full page or a pruned gap needs a reload: the catch-up from the node's own database does it.
    if (page.length === JOURNAL_PAGE || this.#missed(page)) return 0;
    const keys = page.findIndex((e) => e.zone === "");
    const entries = keys < 0 ? page : page.slice(0, keys);
    if (entries.length === 0) return 0;
    await this.#apply(from, entries, now);
    this.#seq = entries[entries.length - 1].seq;
    return entries.length;
  }

  /**
   * True when `entries` (read after `seq`) do not start right after it. Sequence numbers are
   * AUTOINCREMENT and a rolled-back write takes its numbers back, so a gap means pruned entries.
   */
  #missed(entries: readonly { seq: number }[]): boolean {
    return entries.length > 0 && entries[0].seq > this.#seq + 1;
  }

  /** Re-reads what `entries` name from `client` into the index; returns whether keys changed. */
  async #apply(
    client: SqlClient,
    entries: readonly { zone: string; name: string }[],
    now: number,
  ): Promise<boolean> {
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
      const zone = await readZone(client, zoneName);
      if (!zone) {
        this.#index.removeZone(zoneName);
        continue;
      }
      if (names.has("") || !this.#index.zone(zoneName)) {
        this.#index.replaceZone(zone, await readZoneRecords(client, zoneName, now));
        continue;
      }
      const list = [...names];
      this.#index.replaceNames(zoneName, list, await readRecordsByName(client, list, now));
      this.#index.updateZoneMeta(zone);
    }
    return keysChanged;
  }
}
