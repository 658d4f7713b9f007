/**
 * Index patches: what the journal follower, running in the storage worker
 * (apps/udp-node/storage/), tells the DNS thread to change in its zone index.
 * The follower writes into a {@linkcode PatchRecorder} instead of the index;
 * the recorded patches cross to the DNS thread as structured-clone data and
 * {@linkcode applyIndexPatches} replays them between packets. A whole zone
 * crosses as a zone image (`packages/core/zone/zone_image.ts`): one buffer,
 * encoded here in the worker and transferred, not cloned, which the index
 * reads in one pass and keeps as its copy of the answer bytes. So do name
 * patches, in slices of at most {@linkcode NAMES_PER_SLICE} names: the DNS
 * thread applies one slice per turn of its event loop.
 *
 * @module
 */

import type { StoredRecord, StoredZone } from "../../../packages/core/store/records.ts";
import type { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { encodeZoneImage, type ZoneImage } from "../../../packages/core/zone/zone_image.ts";

/** One change to a zone index. */
export type IndexPatch =
  | { kind: "replace_zone"; zone: StoredZone; image: ZoneImage }
  /** `image`: the names' RRsets ({@linkcode encodeZoneImage} of their records) */
  | { kind: "replace_names"; zone: string; names: string[]; image: ZoneImage }
  | { kind: "zone_meta"; zone: StoredZone }
  | { kind: "remove_zone"; zone: string }
  /** TSIG keys changed in the store (journal zone "", brief §2.4): reload the keyring */
  | { kind: "keys_changed" };

/** The slice of a zone index the journal follower writes to. */
export interface IndexSink {
  zoneNames(): string[];
  /** truthy when the zone is loaded */
  zone(name: string): unknown;
  replaceZone(zone: StoredZone, records: readonly StoredRecord[]): void;
  /** `image`: {@linkcode encodeZoneImage} of the zone's records, in publish order */
  replaceZoneImage(zone: StoredZone, image: ZoneImage): void;
  replaceNames(zoneName: string, names: Iterable<string>, records: readonly StoredRecord[]): void;
  updateZoneMeta(zone: StoredZone): void;
  removeZone(name: string): void;
}

/**
 * An {@linkcode IndexSink} that records patches and mirrors which zones the
 * DNS thread's index holds (it changes only through these patches).
 */
export class PatchRecorder implements IndexSink {
  #zones = new Set<string>();
  #patches: IndexPatch[] = [];

  zoneNames(): string[] {
    return [...this.#zones];
  }

  zone(name: string): boolean {
    return this.#zones.has(name);
  }

  /**
   * The zones the DNS thread's index holds (a restarted worker): their changes are then sent
   * as name patches, not as whole zones read again.
   */
  knowZones(names: readonly string[]): void {
    for (const n of names) this.#zones.add(n);
  }

  replaceZone(zone: StoredZone, records: readonly StoredRecord[]): void {
    this.replaceZoneImage(zone, encodeZoneImage(zone.name, records));
  }

  replaceZoneImage(zone: StoredZone, image: ZoneImage): void {
    this.#zones.add(zone.name);
    this.#patches.push({ kind: "replace_zone", zone, image });
  }

  replaceNames(zoneName: string, names: Iterable<string>, records: readonly StoredRecord[]): void {
    if (!this.#zones.has(zoneName)) return; // as the index does: unknown zones are not patched
    this.#patches.push(...namePatches(zoneName, [...names], records));
  }

  updateZoneMeta(zone: StoredZone): void {
    if (this.#zones.has(zone.name)) this.#patches.push({ kind: "zone_meta", zone });
  }

  removeZone(name: string): void {
    if (this.#zones.delete(name)) this.#patches.push({ kind: "remove_zone", zone: name });
  }

  /** Records that the TSIG keys changed. */
  keysChanged(): void {
    this.#patches.push({ kind: "keys_changed" });
  }

  /** The patches recorded since the last call. */
  take(): IndexPatch[] {
    const out = this.#patches;
    this.#patches = [];
    return out;
  }
}

/** Names patched between two turns of the DNS thread's event loop (about a millisecond of work). */
export const NAMES_PER_SLICE = 128;

type ReplaceNames = Extract<IndexPatch, { kind: "replace_names" }>;

/**
 * The patches that replace `names` of a zone with `records`: at most `size`
 * names each, each with the image of its names' records (records of a name
 * not listed go with the last).
 *
 * Why slices: under an UPDATE burst one journal catch-up carries a couple of
 * thousand names, and patching them in one go held the DNS thread for up to
 * 30 ms while queries waited (issue 15, probe p99).
 */
export function namePatches(
  zone: string,
  names: string[],
  records: readonly StoredRecord[],
  size = NAMES_PER_SLICE,
): ReplaceNames[] {
  // `names` becomes the patch's own list when it fits one slice (callers pass a fresh array).
  if (names.length <= size) {
    return [{ kind: "replace_names", zone, names, image: encodeZoneImage(zone, records) }];
  }
  const sliceOf = new Map<string, number>();
  const slices: { names: string[]; records: StoredRecord[] }[] = [];
  for (let i = 0; i < names.length; i += size) {
    const slice = names.slice(i, i + size);
    for (const n of slice) sliceOf.set(n, slices.length);
    slices.push({ names: slice, records: [] });
  }
  for (const r of records) slices[sliceOf.get(r.name) ?? slices.length - 1].records.push(r);
  return slices.map((s) => ({
    kind: "replace_names",
    zone,
    names: s.names,
    image: encodeZoneImage(zone, s.records),
  }));
}

/** The buffers of `patches` to transfer rather than copy when they cross threads. */
export function patchTransferables(patches: readonly IndexPatch[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const p of patches) {
    if (p.kind === "replace_zone" || p.kind === "replace_names") {
      out.push(p.image.head.buffer as ArrayBuffer, p.image.wire.buffer as ArrayBuffer);
    }
  }
  return out;
}

/** Applies patches to the index in order; returns whether the TSIG keys changed. */
export function applyIndexPatches(index: ZoneIndex, patches: readonly IndexPatch[]): boolean {
  let keysChanged = false;
  for (const p of patches) {
    switch (p.kind) {
      case "replace_zone":
        index.replaceZoneImage(p.zone, p.image);
        break;
      case "replace_names":
        index.replaceNamesImage(p.zone, p.names, p.image);
        break;
      case "zone_meta":
        index.updateZoneMeta(p.zone);
        break;
      case "remove_zone":
        index.removeZone(p.zone);
        break;
      case "keys_changed":
        keysChanged = true;
        break;
    }
  }
  return keysChanged;
}
