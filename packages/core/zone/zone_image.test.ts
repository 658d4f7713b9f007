import assert from "node:assert/strict";
import { POINTER_RR, TYPE } from "../wire/constants.ts";
import { encodeTxtRdata } from "../wire/rdata.ts";
import { encodeTxtRdataSplit } from "../wire/txt_split.ts";
import type { StoredRecord } from "../store/records.ts";
import { encodeZoneImage, readZoneImage, ZoneImageBuilder } from "./zone_image.ts";
import type { IndexedRRset } from "./zone_index.ts";

function rec(name: string, type: string, value: string, expiresAt = 0, zone = "example.test") {
  return { id: 0, zone, name, type, value, ttl: 300, createdAt: 0, expiresAt } as StoredRecord;
}

Deno.test("zone image: owners in first-publication order, types by first appearance, RRs in publish order", () => {
  const image = encodeZoneImage("example.test", [
    rec("b.example.test", "TXT", "one", 1_000_500),
    rec("a.example.test", "A", "192.0.2.1"),
    rec("b.example.test", "A", "192.0.2.2"),
    rec("b.example.test", "TXT", "two"),
    rec("x.other.test", "A", "192.0.2.9", 0, "other.test"),
    rec("c.example.test", "NOSUCHTYPE", "x"),
    rec("ünï.example.test", "A", "192.0.2.3"),
  ]);
  const seen: [string, IndexedRRset[]][] = [];
  readZoneImage(image, (owner, rrsets) => seen.push([owner, rrsets]));
  assert.deepEqual(seen.map(([o, s]) => [o, s.map((x) => x.type)]), [
    ["b.example.test", [TYPE.TXT, TYPE.A]],
    ["a.example.test", [TYPE.A]],
    ["ünï.example.test", [TYPE.A]],
  ]);
  const txt = seen[0][1][0];
  assert.deepEqual(txt.records.map((r) => [r.offset, r.ttl, r.expiresAt]), [
    [0, 300, 1_000_500],
    [16, 300, 0],
  ]);
  assert.equal(txt.firstExpiry, 1_000_500);
  assert.ok(txt.expiring);
  // Each RR is answer-section bytes: pointer to the question, type, class IN, TTL, RDATA.
  assert.deepEqual([...txt.wire.subarray(0, 16)], [
    0xc0,
    12,
    0,
    TYPE.TXT,
    0,
    1,
    0,
    0,
    1,
    44,
    0,
    4,
    3,
    0x6f,
    0x6e,
    0x65,
  ]);
  // The RRsets are views into the image: the image is their only copy.
  assert.equal(txt.wire.buffer, image.wire.buffer);
  assert.equal(seen[1][1][0].firstExpiry, Infinity);
});

Deno.test("zone image: a truncated image is an error, not a partial zone", () => {
  const image = encodeZoneImage("example.test", [rec("a.example.test", "TXT", "hello")]);
  const cut = (b: Uint8Array) => b.subarray(0, b.length - 3);
  assert.throws(
    () => readZoneImage({ head: image.head, wire: cut(image.wire) }, () => {}),
    /zone image/,
  );
  assert.throws(() => readZoneImage({ head: cut(image.head), wire: image.wire }, () => {}));
  const longer = new Uint8Array(image.wire.length + 1);
  longer.set(image.wire);
  assert.throws(() => readZoneImage({ head: image.head, wire: longer }, () => {}), /left over/);
});

Deno.test("zone image: TXT RDATA written in place equals the codecs' at every string boundary", () => {
  const values = [
    "",
    "a",
    "x".repeat(254),
    "x".repeat(255),
    "x".repeat(256),
    "y".repeat(510),
    "y".repeat(511),
    "ascii then é",
    "é".repeat(200), // 400 bytes of UTF-8 in 200 characters
  ];
  const records = values.map((v, i) => rec(`t${i}.example.test`, i % 2 ? "SPF" : "TXT", v));
  records.push({ ...rec("split.example.test", "TXT", "part one part two"), txtSplit: "9,8" });
  records.push(rec("a.example.test", "A", "192.0.2.1"));
  const rdataOf = new Map<string, Uint8Array>();
  readZoneImage(encodeZoneImage("example.test", records), (owner, rrsets) => {
    assert.equal(rrsets.length, 1);
    rdataOf.set(owner, rrsets[0].wire.subarray(POINTER_RR.HEADER_BYTES));
  });
  values.forEach((v, i) => {
    assert.deepEqual(rdataOf.get(`t${i}.example.test`), encodeTxtRdata(v), `value ${i}`);
  });
  assert.deepEqual(
    rdataOf.get("split.example.test"),
    encodeTxtRdataSplit("part one part two", "9,8"),
  );
  assert.deepEqual([...rdataOf.get("a.example.test")!], [192, 0, 2, 1]);
});

Deno.test("zone image: records already in wire order and the same records interleaved encode alike", () => {
  // In wire order (by owner, then type), the arena's RRs become the wire as they lie; otherwise
  // they are copied into it in that order. Either way the image is the same.
  const a1 = rec("a.example.test", "TXT", "one");
  const a2 = rec("a.example.test", "TXT", "two, a little longer");
  const a3 = rec("a.example.test", "A", "192.0.2.1");
  const b1 = rec("b.example.test", "AAAA", "2001:db8::1");
  const skipped = rec("x.other.test", "TXT", "another zone's", 0, "other.test");
  const unknown = rec("c.example.test", "NOSUCHTYPE", "x");
  const inOrder = encodeZoneImage("example.test", [a1, skipped, a2, a3, unknown, b1]);
  const interleaved = encodeZoneImage("example.test", [a1, a3, b1, a2]);
  assert.deepEqual(inOrder.head, interleaved.head);
  assert.deepEqual(inOrder.wire, interleaved.wire);
  // The arena itself (sized from a guess for the A and AAAA: a little slack), not a copy.
  assert.ok(inOrder.wire.buffer.byteLength - inOrder.wire.byteLength <= 4096);
  assert.equal(interleaved.wire.byteLength, interleaved.wire.buffer.byteLength, "a copy, exact");
  const seen: [string, number[]][] = [];
  readZoneImage(inOrder, (owner, rrsets) => seen.push([owner, rrsets.map((x) => x.type)]));
  assert.deepEqual(seen, [["a.example.test", [TYPE.TXT, TYPE.A]], ["b.example.test", [TYPE.AAAA]]]);
});

Deno.test("zone image: RDATA appended past the arena's first size stays whole", () => {
  // A split TXT value is encoded elsewhere and appended: 602 bytes each, far more than the
  // arena's first guess per record, so the arena grows inside an append.
  const value = (i: number) => `${String(i).padStart(3, "0")}:` + "x".repeat(596);
  const records = Array.from({ length: 100 }, (_, i) => ({
    ...rec(`g${i}.example.test`, "TXT", value(i)),
    txtSplit: "300,300",
  }));
  let seen = 0;
  readZoneImage(encodeZoneImage("example.test", records), (owner, rrsets) => {
    const i = Number(owner.slice(1, owner.indexOf(".")));
    assert.deepEqual(
      rrsets[0].wire.subarray(POINTER_RR.HEADER_BYTES),
      encodeTxtRdataSplit(value(i), "300,300"),
    );
    seen++;
  });
  assert.equal(seen, records.length);
  // Non-ASCII TXT values take more bytes than the arena expects from their length: the arena
  // grows inside the append of their encoding.
  const wide = (i: number) => `${i}:` + "é".repeat(300);
  const wides = Array.from({ length: 50 }, (_, i) => rec(`w${i}.example.test`, "TXT", wide(i)));
  seen = 0;
  readZoneImage(encodeZoneImage("example.test", wides), (owner, rrsets) => {
    const i = Number(owner.slice(1, owner.indexOf(".")));
    assert.deepEqual(rrsets[0].wire.subarray(POINTER_RR.HEADER_BYTES), encodeTxtRdata(wide(i)));
    seen++;
  });
  assert.equal(seen, wides.length);
});

Deno.test("zone image builder: records added page by page give the image of them all", () => {
  const records = Array.from({ length: 50 }, (_, i) => ({
    ...rec(
      `n${i % 7}.example.test`,
      i % 3 === 0 ? "A" : "TXT",
      i % 3 === 0 ? `192.0.2.${i}` : `v${i}`,
    ),
    id: i + 1,
    createdAt: 100 + i,
  }));
  const whole = encodeZoneImage("example.test", records);
  // Sized too small on purpose: the builder grows its columns and arena as records come.
  const builder = new ZoneImageBuilder("example.test", { records: 3, bytes: 10 });
  for (let i = 0; i < records.length; i += 8) builder.add(records.slice(i, i + 8));
  assert.ok(builder.inPublishOrder);
  const paged = builder.finish();
  assert.deepEqual(paged.head, whole.head);
  assert.deepEqual(paged.wire, whole.wire);
});

Deno.test("zone image builder: says when records came out of publish order", () => {
  const at = (id: number, createdAt: number) => ({
    ...rec("a.example.test", "TXT", `v${id}`),
    id,
    createdAt,
  });
  const ordered = new ZoneImageBuilder("example.test", { records: 4, bytes: 100 });
  ordered.add([at(1, 10), at(2, 10)]);
  ordered.add([at(3, 11)]);
  assert.ok(ordered.inPublishOrder);
  const clockBack = new ZoneImageBuilder("example.test", { records: 4, bytes: 100 });
  clockBack.add([at(1, 10)]);
  clockBack.add([at(2, 9)]);
  assert.ok(!clockBack.inPublishOrder);
  const idBack = new ZoneImageBuilder("example.test", { records: 4, bytes: 100 });
  idBack.add([at(2, 10), at(1, 10)]);
  assert.ok(!idBack.inPublishOrder);
});
