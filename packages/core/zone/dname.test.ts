import assert from "node:assert/strict";
import { RCODE, TYPE } from "../wire/constants.ts";
import { FNV1A_START, fnv1aStep } from "../hash/fnv1a.ts";
import { findDname, synthesizeCname } from "./dname.ts";
import { cnameTarget } from "./cname_chain.ts";
import { indexFromMasterFile, owners } from "./testdata/index_from_master_file.ts";
import type { ZoneIndex } from "./zone_index.ts";

const ZONE = `$ORIGIN example.test.
$TTL 300
@        IN SOA ns1 hostmaster 1 3600 600 86400 60
@        IN NS  ns1
ns1      IN A   192.0.2.53
www      IN A   192.0.2.80
old      IN DNAME new.example.test.
old      IN TXT  "the owner keeps its own data"
host.old IN A   192.0.2.66
host.new IN A   192.0.2.77
out      IN DNAME example.net.
`;
const index = indexFromMasterFile("example.test", ZONE);
const ask = (name: string, type: number) => index.lookup(name, type, 0);

function tableHas(ix: ZoneIndex, name: string, type: number): boolean {
  const key = new TextEncoder().encode(name);
  let h = FNV1A_START;
  for (const b of key) h = fnv1aStep(h, b);
  return (ix.answerTable()?.find(key, key.length, h, type, 0) ?? -1) >= 0;
}

Deno.test("dname: the highest DNAME strictly above a name", () => {
  const z = index.zone("example.test")!;
  assert.equal(findDname(z, "a.b.old.example.test"), "old.example.test");
  assert.equal(findDname(z, "old.example.test"), undefined, "not at the owner itself");
  assert.equal(findDname(z, "www.example.test"), undefined);
});

Deno.test("dname: RFC 6672 §2.2 synthesis — the DNAME, a CNAME under the query name, then the target", () => {
  const r = ask("host.old.example.test", TYPE.A);
  assert.ok(r.kind === "sections" && r.aa && r.rcode === RCODE.NOERROR);
  assert.deepEqual(owners(r, ""), [
    ["old.example.test", TYPE.DNAME],
    ["host.old.example.test", TYPE.CNAME],
    ["host.new.example.test", TYPE.A],
  ]);
  assert.equal(cnameTarget(r.answer[1].set, 0), "host.new.example.test");
  assert.equal(r.answer[1].set.records[0].ttl, 300, "the CNAME takes the DNAME's TTL (§3.1)");
});

Deno.test("dname: data the store holds below a DNAME is occluded (§2.4), in the table too", () => {
  assert.ok(!tableHas(index, "host.old.example.test", TYPE.A));
  assert.ok(tableHas(index, "old.example.test", TYPE.TXT), "the owner's own data is answered");
  assert.equal(ask("old.example.test", TYPE.A).kind, "nodata", "no synthesis at the owner");
});

Deno.test("dname: out of the zone the chain stops; a redirected name past 255 octets is YXDOMAIN", () => {
  assert.deepEqual(owners(ask("a.out.example.test", TYPE.A), ""), [
    ["out.example.test", TYPE.DNAME],
    ["a.out.example.test", TYPE.CNAME],
  ]);
  const long = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(40)].join(".");
  assert.equal(synthesizeCname(`${long}.x`, "x", "y".repeat(60) + ".example.net", 60), undefined);
  const r = ask(`${long}.old.example.test`, TYPE.A);
  assert.ok(r.kind === "sections");
  assert.equal(r.rcode, RCODE.NXDOMAIN, "control: fits, and host is absent at the target");
  const z = indexFromMasterFile(
    "example.test",
    ZONE.replace(
      "old      IN DNAME new.example.test.",
      `old      IN DNAME ${"n".repeat(60)}.example.test.`,
    ),
  ).lookup(`${long}.old.example.test`, TYPE.A, 0);
  assert.ok(z.kind === "sections");
  assert.equal(z.rcode, RCODE.YXDOMAIN);
});

Deno.test("dname: added by a journal patch, names below leave the table", () => {
  const ix = indexFromMasterFile("example.test", ZONE);
  assert.ok(tableHas(ix, "host.new.example.test", TYPE.A));
  ix.replaceNames("example.test", [], [{
    id: 500,
    zone: "example.test",
    name: "new.example.test",
    type: "DNAME",
    value: "www.example.test",
    ttl: 60,
    createdAt: 0,
    expiresAt: 0,
  }]);
  assert.ok(!tableHas(ix, "host.new.example.test", TYPE.A));
  assert.equal(ix.lookup("host.new.example.test", TYPE.A, 0).kind, "sections");
});
