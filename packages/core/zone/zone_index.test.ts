import assert from "node:assert/strict";
import { TYPE } from "../wire/constants.ts";
import { storedRecord as rec, storedZone as zone } from "./testdata/stored_rows.ts";
import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";
import { type IndexedRRset, liveCount, recordLength, ZoneIndex } from "./zone_index.ts";

function rrset(result: ReturnType<ZoneIndex["lookup"]>, i = 0): IndexedRRset {
  assert.equal(result.kind, "answer");
  if (result.kind !== "answer") throw new Error("unreachable");
  return result.rrsets[i];
}

Deno.test("an RRset is stored as answer-section bytes: pointer to the question, type, class, TTL, RDATA", () => {
  const index = new ZoneIndex();
  index.replaceZone(zone("example.test"), [
    rec("example.test", "a.example.test", "TXT", "hello", 120),
    rec("example.test", "a.example.test", "TXT", "world", 120),
  ]);
  const set = rrset(index.lookup("a.example.test", TYPE.TXT, 0));
  assert.equal(set.records.length, 2);
  const first = [0xc0, 12, 0, TYPE.TXT, 0, 1, 0, 0, 0, 120, 0, 6, 5, ..."hello"].map((c) =>
    typeof c === "string" ? c.charCodeAt(0) : c
  );
  assert.deepEqual([...set.wire.subarray(0, first.length)], first);
  assert.equal(set.records[1].offset, first.length);
  assert.equal(recordLength(set, set.records[1]), 12 + 6);
  assert.equal(set.wire.length, 2 * (12 + 6));
  assert.equal(set.expiring, false);
  assert.equal(set.firstExpiry, Infinity);
});

Deno.test("lookup outcomes: answer, NODATA, empty non-terminal, NXDOMAIN, REFUSED, apex SOA", () => {
  const index = new ZoneIndex();
  index.replaceZone(zone("example.test"), [
    rec("example.test", "example.test", "NS", "ns1.example.test"),
    rec("example.test", "slot-1.mb-1.example.test", "TXT", "v"),
  ]);
  assert.equal(index.lookup("slot-1.mb-1.example.test", TYPE.TXT, 0).kind, "answer");
  assert.equal(index.lookup("slot-1.mb-1.example.test", TYPE.A, 0).kind, "nodata");
  assert.equal(index.lookup("mb-1.example.test", TYPE.TXT, 0).kind, "nodata");
  assert.equal(index.lookup("mb-2.example.test", TYPE.TXT, 0).kind, "nxdomain");
  assert.equal(index.lookup("other.test", TYPE.TXT, 0).kind, "refused");
  const soa = index.lookup("example.test", TYPE.SOA, 0);
  assert.ok(
    soa.kind === "answer" && soa.rrsets.length === 0,
    "the SOA is synthesized by the encoder",
  );
  assert.equal(
    index.zone("example.test")?.soa.mname,
    "ns1.example.test",
    "first NS names the SOA MNAME",
  );
  assert.equal(index.zone("example.test")?.labelCount, 2);
});

Deno.test("ANY returns every live RRset of the name; a CNAME answers other types and is chased", () => {
  const index = new ZoneIndex();
  index.replaceZone(zone("example.test"), [
    rec("example.test", "a.example.test", "TXT", "t"),
    rec("example.test", "a.example.test", "A", "192.0.2.1"),
    rec("example.test", "c.example.test", "CNAME", "a.example.test"),
  ]);
  const any = index.lookup("a.example.test", TYPE.ANY, 0);
  assert.ok(any.kind === "answer");
  assert.deepEqual(any.rrsets.map((s) => s.type), [TYPE.TXT, TYPE.A]);
  const chased = index.lookup("c.example.test", TYPE.TXT, 0);
  assert.ok(chased.kind === "sections");
  assert.deepEqual(chased.answer.map((o) => [o.owner, o.set.type]), [
    ["c.example.test", TYPE.CNAME],
    ["a.example.test", TYPE.TXT],
  ]);
});

Deno.test("expired RRs vanish at once; a partly expired RRset keeps its live RRs", () => {
  const index = new ZoneIndex();
  index.replaceZone(zone("example.test"), [
    rec("example.test", "m.example.test", "TXT", "short", 300, 1000),
    rec("example.test", "m.example.test", "TXT", "long", 300, 2000),
    rec("example.test", "gone.example.test", "TXT", "x", 300, 1000),
  ]);
  const set = rrset(index.lookup("m.example.test", TYPE.TXT, 500));
  assert.equal(set.expiring, true);
  assert.equal(set.firstExpiry, 1000);
  assert.equal(liveCount(set, 999), 2);
  assert.equal(liveCount(set, 1000), 1);
  assert.equal(rrset(index.lookup("m.example.test", TYPE.TXT, 1500)).records.length, 2);
  assert.equal(index.lookup("m.example.test", TYPE.TXT, 2000).kind, "nxdomain");
  assert.equal(index.lookup("gone.example.test", TYPE.TXT, 1000).kind, "nxdomain");
  assert.equal(index.liveRecordCount(1500), 1);
  assert.equal(index.liveRecordCount(0), 3);
});

Deno.test("replaceNames swaps names in and out and keeps empty non-terminals counted", () => {
  const index = new ZoneIndex();
  index.replaceZone(zone("example.test"), [rec("example.test", "a.b.example.test", "TXT", "1")]);
  assert.equal(index.lookup("b.example.test", TYPE.TXT, 0).kind, "nodata");
  index.replaceNames("example.test", ["a.b.example.test"], [
    rec("example.test", "c.example.test", "TXT", "2"),
  ]);
  assert.equal(index.lookup("a.b.example.test", TYPE.TXT, 0).kind, "nxdomain");
  assert.equal(index.lookup("b.example.test", TYPE.TXT, 0).kind, "nxdomain");
  assert.equal(index.lookup("c.example.test", TYPE.TXT, 0).kind, "answer");
  index.replaceNames("example.test", ["c.example.test"], [
    rec("example.test", "c.example.test", "TXT", "3"),
    rec("example.test", "c.example.test", "TXT", "4"),
  ]);
  assert.equal(rrset(index.lookup("c.example.test", TYPE.TXT, 0)).records.length, 2);
  assert.equal(index.nameCount(), 1);
});

Deno.test("findZone picks the closest enclosing apex among nested zones and the root", () => {
  const index = new ZoneIndex();
  index.replaceZone(zone("test"), []);
  index.replaceZone(zone("a.b.test"), []);
  assert.equal(index.findZone("x.y.a.b.test")?.name, "a.b.test");
  assert.equal(index.findZone("a.b.test")?.name, "a.b.test");
  assert.equal(index.findZone("x.b.test")?.name, "test");
  assert.equal(index.findZone("test")?.name, "test");
  assert.equal(index.findZone("example"), undefined);
  assert.equal(index.findZone(""), undefined);
  index.replaceZone(zone(""), []);
  assert.equal(index.findZone("example")?.name, "");
  assert.equal(index.findZone("")?.name, "");
  assert.equal(index.findZone("deep.x.b.test")?.name, "test");
});

function tableHas(index: ZoneIndex, name: string, type: number): boolean {
  const table = index.answerTable();
  if (!table) return false;
  const bytes = new TextEncoder().encode(name);
  let h = FNV1A_START;
  for (const b of bytes) h = fnv1aStep(h, b);
  return table.find(bytes, bytes.length, h, type, 0) >= 0;
}

Deno.test("the answer table follows the index: loads, replaceNames, zone removal", () => {
  const index = new ZoneIndex();
  index.replaceZone(zone("example.test"), [
    rec("example.test", "a.example.test", "TXT", "1"),
    rec("example.test", "a.example.test", "A", "192.0.2.1"),
  ]);
  assert.ok(tableHas(index, "a.example.test", TYPE.TXT));
  assert.ok(tableHas(index, "a.example.test", TYPE.A));
  index.replaceNames("example.test", ["a.example.test"], [
    rec("example.test", "a.example.test", "TXT", "2"),
  ]);
  assert.ok(tableHas(index, "a.example.test", TYPE.TXT));
  assert.ok(!tableHas(index, "a.example.test", TYPE.A), "a deleted RRset leaves the table");
  index.replaceNames("example.test", ["a.example.test"], []);
  assert.ok(!tableHas(index, "a.example.test", TYPE.TXT));
  index.replaceNames("example.test", [], [rec("example.test", "b.example.test", "TXT", "3")]);
  assert.ok(tableHas(index, "b.example.test", TYPE.TXT));
  index.removeZone("example.test");
  assert.ok(!tableHas(index, "b.example.test", TYPE.TXT));
});

Deno.test("the table leaves out CNAME owners, names outside their zone, SOA and NS", () => {
  const index = new ZoneIndex();
  index.replaceZone(zone("example.test"), [
    rec("example.test", "c.example.test", "CNAME", "a.example.test"),
    rec("example.test", "c.example.test", "TXT", "odd but stored"),
    rec("example.test", "stray.other.test", "TXT", "x"),
    rec("example.test", "example.test", "SOA", "ns1.example.test. h.example.test. 1 2 3 4 5"),
    rec("example.test", "example.test", "NS", "ns1.example.test"),
  ]);
  assert.ok(!tableHas(index, "c.example.test", TYPE.TXT), "a CNAME owner answers every type");
  assert.ok(!tableHas(index, "stray.other.test", TYPE.TXT));
  const apex = index.zone("example.test")?.nodes.get("example.test") ?? [];
  assert.ok(apex.some((s) => s.type === TYPE.SOA), "the stored SOA is indexed");
  assert.ok(!tableHas(index, "example.test", TYPE.SOA), "but the apex SOA is synthesized");
  assert.ok(
    !tableHas(index, "example.test", TYPE.NS),
    "an NS answer carries the servers' addresses (RFC 1035 §3.3.11), so the index answers it",
  );
});

Deno.test("nested zones turn the table off until they are gone", () => {
  const index = new ZoneIndex();
  index.replaceZone(zone("example.test"), [rec("example.test", "a.example.test", "TXT", "1")]);
  assert.ok(index.answerTable());
  index.replaceZone(zone("sub.example.test"), [
    rec("sub.example.test", "a.sub.example.test", "TXT", "2"),
  ]);
  assert.equal(index.answerTable(), undefined);
  index.removeZone("sub.example.test");
  assert.ok(tableHas(index, "a.example.test", TYPE.TXT));
  index.replaceZone(zone(""), []);
  assert.equal(index.answerTable(), undefined, "the root zone encloses every other");
});

Deno.test("reloading one zone changes only its own answer-table entries", () => {
  const index = new ZoneIndex();
  index.replaceZone(zone("one.test"), [rec("one.test", "a.one.test", "TXT", "1")]);
  index.replaceZone(zone("two.test"), [rec("two.test", "a.two.test", "TXT", "2")]);
  index.replaceZone(zone("one.test"), [rec("one.test", "b.one.test", "TXT", "3")]);
  assert.ok(!tableHas(index, "a.one.test", TYPE.TXT), "the old load of one.test is gone");
  assert.ok(tableHas(index, "b.one.test", TYPE.TXT));
  assert.ok(tableHas(index, "a.two.test", TYPE.TXT), "two.test is untouched");
  assert.equal(index.answerTable()?.size, 2);
  // A parent added after its child nests them too.
  index.replaceZone(zone("test"), []);
  assert.equal(index.answerTable(), undefined);
  index.removeZone("test");
  assert.equal(index.answerTable()?.size, 2);
});
