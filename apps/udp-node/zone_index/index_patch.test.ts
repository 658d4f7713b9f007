import assert from "node:assert/strict";
import { storedRecord, storedZone } from "../../../packages/core/zone/testdata/stored_rows.ts";
import { zoneImageOwners } from "../../../packages/core/zone/zone_image.ts";
import { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import {
  applyIndexPatches,
  namePatches,
  NAMES_PER_SLICE,
  PatchRecorder,
  patchTransferables,
} from "./index_patch.ts";

const ZONE = storedZone("q.test");
const rr = (name: string, type: string, value: string) =>
  storedRecord(ZONE.name, name, type, value);

function names(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${i}.q.test`);
}

Deno.test("namePatches: every name once, each record in its name's slice, unlisted records last", () => {
  const list = names(10);
  const records = [...list.map((n) => rr(n, "TXT", "v")), rr("stray.q.test", "TXT", "x")];
  const slices = namePatches(ZONE.name, list, records, 4);
  assert.deepEqual(slices.map((s) => s.names.length), [4, 4, 2]);
  assert.deepEqual(slices.flatMap((s) => s.names), list);
  for (const s of slices.slice(0, -1)) assert.deepEqual(zoneImageOwners(s.image), s.names);
  assert.deepEqual(zoneImageOwners(slices[2].image), [...slices[2].names, "stray.q.test"]);
});

Deno.test("a recorded catch-up crosses as slices of images whose buffers are transferred", () => {
  const recorder = new PatchRecorder();
  recorder.knowZones([ZONE.name]);
  const list = names(NAMES_PER_SLICE + 1);
  recorder.replaceNames(ZONE.name, list, list.map((n) => rr(n, "TXT", "v")));
  recorder.replaceNames("other.test", ["a.other.test"], []); // a zone the index does not hold
  const patches = recorder.take();
  assert.deepEqual(patches.map((p) => p.kind), ["replace_names", "replace_names"]);
  // Two buffers per image, each transferred (none shared, none left out).
  const buffers = patchTransferables(patches);
  assert.equal(buffers.length, 4);
  assert.equal(new Set(buffers).size, 4);
  const msg = structuredClone(patches, { transfer: buffers });
  assert.equal(buffers[0].byteLength, 0, "transferred, not copied");

  const index = new ZoneIndex();
  index.replaceZone(ZONE, []);
  applyIndexPatches(index, msg);
  assert.ok(list.every((n) => index.lookup(n, 16, 0).kind === "answer"));
});
