import assert from "node:assert/strict";
import { storedRecord, storedZone } from "../../../packages/core/zone/testdata/stored_rows.ts";
import { ZoneIndex } from "../../../packages/core/zone/zone_index.ts";
import { namePatches } from "./index_patch.ts";
import { IndexPatchQueue } from "./index_patch_queue.ts";

const ZONE = storedZone("q.test");
const txt = (name: string, value: string) => storedRecord(ZONE.name, name, "TXT", value);

function names(n: number, prefix = "n"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}.q.test`);
}

function kindOf(index: ZoneIndex, name: string): string {
  return index.lookup(name, 16, 0).kind;
}

Deno.test("a large patch is applied a slice per loop turn: a timer runs between slices", async () => {
  const index = new ZoneIndex();
  index.replaceZone(ZONE, []);
  const queue = new IndexPatchQueue(index);
  const list = names(400);
  const seenBetween: number[] = [];
  // Sample, from a timer, how many names are in the index while the patch is applied.
  const sampler = setInterval(() => {
    seenBetween.push(list.filter((n) => kindOf(index, n) === "answer").length);
  }, 0);
  try {
    await queue.apply(namePatches(ZONE.name, list, list.map((n) => txt(n, "v")), 50));
  } finally {
    clearInterval(sampler);
  }
  assert.ok(list.every((n) => kindOf(index, n) === "answer"));
  assert.ok(
    seenBetween.some((n) => n > 0 && n < list.length),
    `the loop ran while the patch was half applied (${seenBetween.join(",")})`,
  );
});

Deno.test("patches apply in the order queued, so an older read never lands over a newer one", async () => {
  const index = new ZoneIndex();
  index.replaceZone(ZONE, []);
  const queue = new IndexPatchQueue(index);
  const list = names(100);
  const older = queue.apply(namePatches(ZONE.name, list, list.map((n) => txt(n, "old")), 10));
  // Queued while the first is still being applied: must win for the name both touch.
  const newer = queue.apply([
    ...namePatches(ZONE.name, [list[99]], [txt(list[99], "new")]),
    { kind: "zone_meta", zone: { ...ZONE, serial: 2 } },
  ]);
  await Promise.all([older, newer]);
  const found = index.lookup(list[99], 16, 0);
  assert.equal(found.kind, "answer");
  if (found.kind !== "answer") return;
  const wire = found.rrsets[0].wire;
  assert.equal(new TextDecoder().decode(wire.subarray(wire.length - 3)), "new");
  assert.equal(index.zone(ZONE.name)?.soa.serial, 2);
});

Deno.test("a patch that throws rejects its own apply and leaves the queue working", async () => {
  const index = new ZoneIndex();
  index.replaceZone(ZONE, []);
  const queue = new IndexPatchQueue(index);
  const bad = { kind: "replace_names", zone: ZONE.name, names: ["x.q.test"], image: null };
  await assert.rejects(() => queue.apply([bad as never]));
  await queue.apply(namePatches(ZONE.name, ["y.q.test"], [txt("y.q.test", "v")]));
  assert.equal(kindOf(index, "y.q.test"), "answer");
});
