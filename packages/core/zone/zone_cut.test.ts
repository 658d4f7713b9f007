import assert from "node:assert/strict";
import { RCODE, TYPE } from "../wire/constants.ts";
import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";
import { findZoneCut } from "./zone_cut.ts";
import { DELEGATIONS_ZONE } from "./testdata/delegations.ts";
import { indexFromMasterFile } from "./testdata/index_from_master_file.ts";
import type { ZoneIndex } from "./zone_index.ts";

const index = indexFromMasterFile("example.test", DELEGATIONS_ZONE);
const zone = index.zone("example.test")!;

function referral(name: string, type: number) {
  const r = index.lookup(name, type, 0);
  assert.ok(r.kind === "sections", `${name}: ${r.kind}`);
  return {
    aa: r.aa,
    rcode: r.rcode,
    answer: r.answer.map((o) => o.owner),
    authority: r.authority.map((o) => [o.owner, o.set.type, o.set.records.length]),
    glue: r.additional.map((o) => [o.owner, o.set.type]),
    soa: r.soa,
  };
}

function tableHas(ix: ZoneIndex, name: string, type: number): boolean {
  const key = new TextEncoder().encode(name);
  let h = FNV1A_START;
  for (const b of key) h = fnv1aStep(h, b);
  return (ix.answerTable()?.find(key, key.length, h, type, 0) ?? -1) >= 0;
}

Deno.test("zone_cut: the highest cut at or above a name, never the apex", () => {
  assert.equal(findZoneCut(zone, "sub.example.test"), "sub.example.test");
  assert.equal(findZoneCut(zone, "deep.host.sub.example.test"), "sub.example.test");
  assert.equal(findZoneCut(zone, "x.inner.far.example.test"), "far.example.test", "the higher cut");
  assert.equal(findZoneCut(zone, "www.example.test"), undefined);
  assert.equal(findZoneCut(zone, "example.test"), undefined);
});

Deno.test("referral: below a cut → AA=0, the cut's NS in authority, in-bailiwick glue (RFC 1034 §4.3.2 3.b)", () => {
  for (
    const name of ["host.sub.example.test", "deep.host.sub.example.test", "x.sub.example.test"]
  ) {
    assert.deepEqual(referral(name, TYPE.A), {
      aa: false,
      rcode: RCODE.NOERROR,
      answer: [],
      authority: [["sub.example.test", TYPE.NS, 2]],
      glue: [["ns1.sub.example.test", TYPE.A]],
      soa: "none",
    }, name);
  }
});

Deno.test("referral: at the cut, every type but DS is referred, NS included (not our data)", () => {
  for (const type of [TYPE.NS, TYPE.A, TYPE.TXT, TYPE.ANY]) {
    const r = referral("sub.example.test", type);
    assert.equal(r.aa, false);
    assert.deepEqual(r.authority, [["sub.example.test", TYPE.NS, 2]]);
    assert.deepEqual(r.answer, []);
  }
});

Deno.test("referral: out of bailiwick servers get no glue; a lower cut is hidden by the higher", () => {
  assert.deepEqual(referral("x.inner.far.example.test", TYPE.A).authority, [
    ["far.example.test", TYPE.NS, 1],
  ]);
  assert.deepEqual(referral("far.example.test", TYPE.A).glue, []);
});

Deno.test("zone_cut: DS at the cut is answered by the parent side (RFC 4035 §3.1.4.1)", () => {
  assert.equal(index.lookup("sub.example.test", TYPE.DS, 0).kind, "nodata", "authoritative NODATA");
  const below = referral("host.sub.example.test", TYPE.DS);
  assert.equal(below.aa, false, "DS below the cut is the child's: referral");
});

Deno.test("zone_cut: names at or below a cut never come from the answer table", () => {
  assert.ok(tableHas(index, "www.example.test", TYPE.A), "control: an ordinary name is tabulated");
  assert.ok(!tableHas(index, "sub.example.test", TYPE.A));
  assert.ok(!tableHas(index, "host.sub.example.test", TYPE.A));
  assert.ok(!tableHas(index, "ns1.sub.example.test", TYPE.A));
  assert.ok(!tableHas(index, "deep.host.sub.example.test", TYPE.TXT));
});

Deno.test("zone_cut: a cut added or removed by a journal patch updates the table", () => {
  const ix = indexFromMasterFile("example.test", DELEGATIONS_ZONE);
  assert.ok(tableHas(ix, "www.example.test", TYPE.A));
  ix.replaceNames("example.test", [], [{
    id: 900,
    zone: "example.test",
    name: "www.example.test",
    type: "NS",
    value: "ns.example.net",
    ttl: 60,
    createdAt: 0,
    expiresAt: 0,
  }]);
  assert.ok(!tableHas(ix, "www.example.test", TYPE.A), "www is now a cut");
  assert.equal(ix.lookup("www.example.test", TYPE.A, 0).kind, "sections");
  ix.replaceNames("example.test", ["sub.example.test"], []);
  assert.ok(tableHas(ix, "host.sub.example.test", TYPE.A), "sub is no longer delegated");
  assert.equal(ix.lookup("host.sub.example.test", TYPE.A, 0).kind, "answer");
});

Deno.test("zone_cut: the first cut of a zone that had none, added by a patch, updates the table", () => {
  // No cut and no DNAME before: only the patch's own types say that it may add one.
  const ix = indexFromMasterFile(
    "flat.test",
    `$ORIGIN flat.test.
$TTL 300
@         IN SOA ns1.flat.test. hostmaster.flat.test. 1 3600 600 86400 60
@         IN NS  ns1.flat.test.
ns1       IN A   192.0.2.53
host.sub  IN A   192.0.2.2
`,
  );
  assert.ok(tableHas(ix, "host.sub.flat.test", TYPE.A), "control: tabulated before the cut");
  ix.replaceNames("flat.test", ["sub.flat.test"], [{
    id: 901,
    zone: "flat.test",
    name: "sub.flat.test",
    type: "NS",
    value: "ns.elsewhere.example",
    ttl: 60,
    createdAt: 0,
    expiresAt: 0,
  }]);
  assert.ok(
    !tableHas(ix, "host.sub.flat.test", TYPE.A),
    "below the new cut: not answered from the table",
  );
  assert.equal(ix.lookup("host.sub.flat.test", TYPE.A, 0).kind, "sections");
});

Deno.test("zone_cut: an NS answer at the apex carries the servers' addresses", () => {
  const r = index.lookup("example.test", TYPE.NS, 0);
  assert.ok(r.kind === "sections" && r.aa);
  assert.deepEqual(r.answer.map((o) => o.owner), ["example.test"]);
  assert.deepEqual(r.additional.map((o) => [o.owner, o.set.type]), [
    ["ns1.example.test", TYPE.A],
    ["ns2.example.test", TYPE.AAAA],
  ]);
});
