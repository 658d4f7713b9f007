import assert from "node:assert/strict";
import {
  inCds,
  inDnskey,
  initialKeyTimes,
  keyState,
  type KeyTimes,
  planDsSeen,
  planKskRollover,
  planZskRollover,
  rolloverInProgress,
  type RolloverPlan,
  type RolloverTimings,
  signsKeys,
  signsZone,
} from "./key_timeline.ts";

const T: RolloverTimings = {
  dnskeyTtl: 100,
  maxZoneTtl: 1000,
  propagation: 10,
  parentDsTtl: 500,
  dsWait: 0,
};
const NOW = 1_800_000_000;

function apply(keys: KeyTimes[], plan: RolloverPlan): KeyTimes[] {
  const out = keys.map((k) => ({ ...k }));
  for (const c of plan.changes) Object.assign(out[c.index], c.set);
  return [...out, plan.newKey];
}

function ok(p: RolloverPlan | { error: string }): RolloverPlan {
  if ("error" in p) throw new Error(p.error);
  return p;
}

Deno.test("ZSK pre-publication: published, then signing after DNSKEY TTL + propagation; old removed after the zone TTL", () => {
  const start = [initialKeyTimes("ksk", 0), initialKeyTimes("zsk", 0)];
  const keys = apply(start, ok(planZskRollover(start, NOW, T)));
  const [ksk, oldZsk, newZsk] = keys;
  const switchAt = NOW + 110;
  assert.ok(inDnskey(newZsk, NOW) && !signsZone(newZsk, NOW) && signsZone(oldZsk, NOW));
  assert.deepEqual(keyState(newZsk, NOW), {
    state: "published",
    signs: [],
    next: { step: "active", at: switchAt },
  });
  assert.ok(signsZone(newZsk, switchAt) && !signsZone(oldZsk, switchAt));
  assert.ok(inDnskey(oldZsk, switchAt + 1009) && !inDnskey(oldZsk, switchAt + 1010));
  assert.equal(keyState(oldZsk, switchAt).state, "retired");
  assert.equal(keyState(oldZsk, switchAt + 1010).state, "removed");
  // The KSK is untouched and no step is left at the end.
  assert.ok(signsKeys(ksk, switchAt + 5000) && !signsZone(ksk, NOW));
  assert.ok(rolloverInProgress(keys, switchAt + 1009));
  assert.ok(!rolloverInProgress(keys, switchAt + 1010));
});

Deno.test("a ZSK roll of a combined key splits it: the CSK stays as the KSK", () => {
  const start = [initialKeyTimes("csk", 0)];
  const [csk, zsk] = apply(start, ok(planZskRollover(start, NOW, T)));
  assert.ok(signsZone(csk, NOW) && signsKeys(csk, NOW));
  assert.ok(!signsZone(csk, NOW + 110) && signsKeys(csk, NOW + 110) && signsZone(zsk, NOW + 110));
  assert.equal(csk.removeAt, null);
  assert.ok(inCds(csk, NOW + 99999) && !inCds(zsk, NOW + 99999));
});

Deno.test("KSK double-DS: CDS lists both, the switch waits for ds-seen + parent DS TTL, then the old DS leaves", () => {
  const start = [initialKeyTimes("ksk", 0), initialKeyTimes("zsk", 0)];
  const keys = apply(start, ok(planKskRollover(start, NOW, T)));
  const newKsk = keys[2];
  assert.ok(inCds(keys[0], NOW) && inCds(newKsk, NOW) && inDnskey(newKsk, NOW));
  assert.equal(keyState(newKsk, NOW + 99999).state, "ds-pending");
  assert.ok(signsKeys(keys[0], NOW + 99999) && !signsKeys(newKsk, NOW + 99999));
  assert.ok(rolloverInProgress(keys, NOW + 99999));
  // Bogus tags, a ZSK's tag and an active key's tag are refused.
  const tags = [11, 22, 33];
  assert.match(
    (planDsSeen(keys, tags, 44, NOW, T) as { error: string }).error,
    /no key with tag 44/,
  );
  assert.match((planDsSeen(keys, tags, 22, NOW, T) as { error: string }).error, /is a ZSK/);
  assert.match((planDsSeen(keys, tags, 11, NOW, T) as { error: string }).error, /not waiting/);
  const seen = NOW + 50;
  const plan = ok(planDsSeen(keys, tags, 33, seen, T));
  const after = keys.map((k) => ({ ...k }));
  for (const c of plan.changes) Object.assign(after[c.index], c.set);
  const [oldKsk, zsk, ksk] = after;
  const switchAt = seen + 510;
  assert.equal(ksk.dsSeenAt, seen);
  assert.ok(signsKeys(oldKsk, switchAt - 1) && !signsKeys(ksk, switchAt - 1));
  assert.ok(!signsKeys(oldKsk, switchAt) && signsKeys(ksk, switchAt));
  assert.ok(inCds(oldKsk, switchAt + 109) && !inCds(oldKsk, switchAt + 110));
  assert.ok(!inDnskey(oldKsk, switchAt + 110));
  assert.ok(signsZone(zsk, switchAt + 110));
  assert.ok(!rolloverInProgress(after, switchAt + 110));
  // A second confirmation of the same key is refused.
  assert.match(
    (planDsSeen(after, tags, 33, seen + 1, T) as { error: string }).error,
    /not waiting/,
  );
});

Deno.test("KSK roll with a configured DS wait schedules every step at once", () => {
  const start = [initialKeyTimes("ksk", 0), initialKeyTimes("zsk", 0)];
  const keys = apply(start, ok(planKskRollover(start, NOW, { ...T, dsWait: 60 })));
  assert.equal(keys[2].activeAt, NOW + 60 + 510);
  assert.equal(keys[0].keysUntil, NOW + 570);
  assert.equal(keys[0].dsRemoveAt, NOW + 680);
});

Deno.test("rollovers are refused on unsigned zones, during another rollover, and on a signing CSK for --ksk", () => {
  assert.match((planZskRollover([], NOW, T) as { error: string }).error, /not signed/);
  const start = [initialKeyTimes("ksk", 0), initialKeyTimes("zsk", 0)];
  const rolling = apply(start, ok(planZskRollover(start, NOW, T)));
  for (const plan of [planZskRollover, planKskRollover]) {
    assert.match((plan(rolling, NOW + 1, T) as { error: string }).error, /already in progress/);
  }
  assert.match(
    (planKskRollover([initialKeyTimes("csk", 0)], NOW, T) as { error: string }).error,
    /roll the ZSK first/,
  );
});
